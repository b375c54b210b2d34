/**
 * What the console leaves in the browser's storage. A prepared EscrowFinish of a winner's bonus
 * carries the Fulfillment that releases the bonus: it must never be written to storage, and
 * signing out must leave nothing of ours behind in the tab.
 */

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { EscrowPrepareOut, PayoutPrepareOut, PreparedPayout } from "./api/client";
import { App } from "./App";
import { json } from "./test/fakeFetch";
import { BOUT_ID, boutView } from "./test/fixtures";
import { PROMOTER, renderWithSession } from "./test/render";

const FULFILLMENT = "A0228020" + "7".repeat(64);

function signRequest(payloadId: string) {
  return {
    payload_id: payloadId,
    deep_link_url: `https://xumm.app/sign/${payloadId}`,
    qr_png_url: "",
    websocket_status_url: "",
    expires_at: "2027-03-01T20:00:00Z",
    mode: "stub" as const,
  };
}

function payout(kind: PreparedPayout["escrow_kind"], action: "finish" | "cancel"): PreparedPayout {
  const tx: Record<string, unknown> = {
    TransactionType: action === "finish" ? "EscrowFinish" : "EscrowCancel",
    Account: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
    Owner: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
    OfferSequence: 100,
  };
  if (kind === "bonus_a") {
    tx.Condition = "A0258020ABCDEF810120";
    tx.Fulfillment = FULFILLMENT;
  }
  return {
    escrow_id: `e-${kind}`,
    escrow_kind: kind,
    action,
    not_before_utc: "2027-03-01T22:00:00Z",
    unsigned_tx: tx,
    xaman_sign_request: signRequest(`payload-${kind}`),
  };
}

const payoutsPrepared: PayoutPrepareOut = {
  bout_id: BOUT_ID,
  bout_status: "result_entered",
  escrows: [
    payout("show_a", "finish"),
    payout("show_b", "finish"),
    payout("bonus_a", "finish"),
    payout("bonus_b", "cancel"),
  ],
};

const escrowsPrepared: EscrowPrepareOut = {
  bout_id: BOUT_ID,
  escrows: [
    {
      escrow_id: "e-show_a",
      escrow_kind: "show_a",
      unsigned_tx: { TransactionType: "EscrowCreate", Amount: "5000000" },
      xaman_sign_request: signRequest("payload-create-show-a"),
    },
  ],
};

/** Every item of both storages, as one string to search. */
function storedText(): string {
  const items: string[] = [];
  for (const storage of [sessionStorage, localStorage]) {
    for (let index = 0; index < storage.length; index += 1) {
      const key = storage.key(index);
      if (key !== null) items.push(`${key}=${storage.getItem(key) ?? ""}`);
    }
  }
  return items.join("\n");
}

function ourSessionKeys(): string[] {
  return Object.keys(sessionStorage).filter((key) => key.startsWith("ringledger."));
}

function openBout(bout: ReturnType<typeof boutView>, routes = {}) {
  window.location.hash = `#/bouts/${BOUT_ID}`;
  return renderWithSession(<App />, {
    user: PROMOTER,
    routes: {
      [`GET /bouts/${BOUT_ID}`]: () => json(200, bout),
      [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
      "GET /fighters": () => json(200, []),
      ...routes,
    },
  });
}

describe("browser storage", () => {
  test("a prepared winner's bonus finish is shown, but its Fulfillment is never stored", async () => {
    openBout(boutView("result_entered"), {
      [`POST /bouts/${BOUT_ID}/payouts/prepare`]: () => json(200, payoutsPrepared),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Prepare payouts" }));
    await screen.findByText(/4 sign requests ready/);
    const bonus = screen.getByRole("article", { name: "Win bonus · Fighter A" });
    // The page has it (the stub ledger's evidence form is pre-filled with it)…
    expect(
      (within(bonus).getByLabelText("Fulfillment (hex, empty for none)") as HTMLInputElement).value,
    ).toBe(FULFILLMENT);
    // …but no storage does.
    const stored = storedText();
    expect(stored).not.toContain(FULFILLMENT);
    expect(stored).not.toContain("Fulfillment");
  });

  test("signing out leaves no ringledger item in the tab's sessionStorage", async () => {
    openBout(boutView("draft"), {
      [`POST /bouts/${BOUT_ID}/escrows/prepare`]: () => json(200, escrowsPrepared),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Prepare escrows" }));
    await screen.findByText(/1 sign request ready/);
    await waitFor(() => expect(ourSessionKeys().length).toBeGreaterThan(1));

    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await screen.findByRole("heading", { name: "Sign in" });
    expect(ourSessionKeys()).toEqual([]);
  });

  test("a session the service ends (401) clears the tab's storage too", async () => {
    let expired = false;
    const bout = boutView("result_entered");
    openBout(bout, {
      [`GET /bouts/${BOUT_ID}`]: () =>
        expired
          ? json(401, { detail: "The token has expired.", code: "token_expired" })
          : json(200, bout),
      [`POST /bouts/${BOUT_ID}/payouts/prepare`]: () => json(200, payoutsPrepared),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Prepare payouts" }));
    await screen.findByText(/4 sign requests ready/);
    expect(ourSessionKeys()).toContain("ringledger.access_token");

    expired = true;
    await userEvent.click(screen.getByRole("button", { name: "Reload" }));
    await screen.findByRole("heading", { name: "Sign in" });
    expect(screen.getByText("Your session has ended. Please sign in again.")).toBeTruthy();
    expect(ourSessionKeys()).toEqual([]);
  });

  test("opening the bout again in a new session shows no earlier payout prepare", async () => {
    const bout = boutView("result_entered");
    const first = openBout(bout, {
      [`POST /bouts/${BOUT_ID}/payouts/prepare`]: () => json(200, payoutsPrepared),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Prepare payouts" }));
    await screen.findByText(/4 sign requests ready/);
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await screen.findByRole("heading", { name: "Sign in" });
    first.unmount();

    openBout(bout);
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(screen.queryByLabelText("Fulfillment (hex, empty for none)")).toBeNull();
    expect(screen.queryAllByRole("img", { name: /QR code/ })).toEqual([]);
  });
});
