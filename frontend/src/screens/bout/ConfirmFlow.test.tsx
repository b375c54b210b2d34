import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { EscrowPrepareOut } from "../../api/client";
import { json } from "../../test/fakeFetch";
import { BOUT_ID, boutView, escrowView } from "../../test/fixtures";
import { PROMOTER, STUB_META, renderWithSession } from "../../test/render";
import { BoutDetail } from "./BoutDetail";

const prepared: EscrowPrepareOut = {
  bout_id: BOUT_ID,
  escrows: [
    {
      escrow_id: "e-show_a",
      escrow_kind: "show_a",
      unsigned_tx: {
        TransactionType: "EscrowCreate",
        Account: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
        Destination: "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV",
        Amount: "5000000",
        FinishAfter: 857000000,
      },
      xaman_sign_request: {
        payload_id: "payload-show-a",
        deep_link_url: "https://xaman.app/sign/payload-show-a",
        qr_png_url: "",
        websocket_status_url: "",
        expires_at: "2027-03-01T20:00:00Z",
        mode: "stub",
      },
    },
  ],
};

function draftWithSigning() {
  const bout = boutView("draft");
  bout.escrows[0] = escrowView("show_a", "planned", {
    signing: { payload_id: "payload-show-a", status: "signed", updated_at: "2027-02-01T10:00:00Z" },
  });
  return bout;
}

function remember() {
  sessionStorage.setItem(
    `ringledger.prepared.${BOUT_ID}.escrows`,
    JSON.stringify({
      prepared: prepared.escrows,
      signedHashes: { "payload-show-a": "E".repeat(64) },
    }),
  );
}

describe("confirming an escrow", () => {
  test("stub ledger: evidence pre-filled from the prepared transaction; each attempt has a new key", async () => {
    remember();
    const { calls } = renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
      user: PROMOTER,
      routes: {
        [`GET /bouts/${BOUT_ID}`]: () => json(200, draftWithSigning()),
        [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
        "GET /fighters": () => json(200, []),
        [`POST /bouts/${BOUT_ID}/escrows/confirm`]: () =>
          json(422, {
            detail: "The transaction is not validated.",
            code: "confirmation_timeout",
            failure_code: "confirmation_timeout",
          }),
      },
    });
    const card = await screen.findByRole("article", { name: "Show purse · Fighter A" });
    expect((within(card).getByLabelText("Transaction hash") as HTMLInputElement).value).toBe(
      "E".repeat(64),
    );
    await userEvent.click(within(card).getByLabelText("Validated by the ledger"));
    await userEvent.click(within(card).getByRole("button", { name: "Confirm escrow created" }));
    const alert = await within(card).findByRole("alert");
    expect(alert.textContent).toContain("The transaction is not validated on the ledger (yet).");
    expect(alert.textContent).toContain("a new attempt uses a new Idempotency-Key");
    await userEvent.click(within(card).getByRole("button", { name: "Confirm escrow created" }));
    await within(card).findByRole("alert");

    const confirms = calls.filter((call) => call.path.endsWith("/escrows/confirm"));
    expect(confirms).toHaveLength(2);
    const body = confirms[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      escrow_kind: "show_a",
      tx_hash: "E".repeat(64),
      validated: false,
      engine_result: "tesSUCCESS",
      owner_address: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
      destination_address: "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV",
      amount_drops: 5_000_000,
      finish_after_ripple: 857000000,
      cancel_after_ripple: null,
      condition_hex: null,
    });
    expect(body.offer_sequence).toEqual(expect.any(Number));
    const keys = confirms.map((call) => call.headers.get("Idempotency-Key"));
    expect(keys[0]).toBeTruthy();
    expect(keys[0]).not.toBe(keys[1]);
  });

  test("rpc ledger: only the transaction hash is asked for and sent", async () => {
    remember();
    const { calls } = renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
      user: PROMOTER,
      meta: { ...STUB_META, xrpl_mode: "rpc" },
      routes: {
        [`GET /bouts/${BOUT_ID}`]: () => json(200, draftWithSigning()),
        [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
        "GET /fighters": () => json(200, []),
        [`POST /bouts/${BOUT_ID}/escrows/confirm`]: () =>
          json(200, {
            bout_id: BOUT_ID,
            escrow_id: "e-show_a",
            escrow_kind: "show_a",
            escrow_status: "created",
            bout_status: "draft",
            tx_hash: "E".repeat(64),
            offer_sequence: 77,
          }),
      },
    });
    const card = await screen.findByRole("article", { name: "Show purse · Fighter A" });
    await within(card).findByLabelText("Transaction hash");
    expect(within(card).queryByLabelText("Engine result")).toBeNull();
    await userEvent.click(within(card).getByRole("button", { name: "Confirm escrow created" }));
    const said = await screen.findByText(
      "Escrow show_a is created on the ledger (offer sequence 77).",
    );
    // The confirmed transaction, linked to the explorer of the service's network (TESTNET).
    const link = within(said.parentElement!).getByRole("link", { name: /XRPL Testnet explorer/ });
    expect(link.getAttribute("href")).toBe(
      `https://testnet.xrpl.org/transactions/${"E".repeat(64)}`,
    );
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
    const confirm = calls.find((call) => call.path.endsWith("/escrows/confirm"));
    expect(confirm?.body).toEqual({ escrow_kind: "show_a", tx_hash: "E".repeat(64) });
  });
});

describe("a prepared request the service no longer takes", () => {
  function showWith(status: "superseded" | "open", payloadId: string) {
    remember();
    const bout = boutView("draft");
    bout.escrows[0] = escrowView("show_a", "planned", {
      signing: { payload_id: payloadId, status, updated_at: "2027-02-01T10:00:00Z" },
    });
    return renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
      user: PROMOTER,
      routes: {
        [`GET /bouts/${BOUT_ID}`]: () => json(200, bout),
        [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
        "GET /fighters": () => json(200, []),
      },
    });
  }

  test("superseded: final, with nothing to sign, report or confirm", async () => {
    showWith("superseded", "payload-show-a");
    const card = await screen.findByRole("article", { name: "Show purse · Fighter A" });
    const panel = await within(card).findByRole("region", { name: "Replaced sign request" });
    expect(panel.textContent).toContain("it can no longer be signed");
    expect(within(card).queryByRole("img", { name: /QR code/ })).toBeNull();
    expect(within(card).queryByRole("link", { name: "Open in Xaman" })).toBeNull();
    expect(within(card).queryByRole("button")).toBeNull();
  });

  test("a newer request made elsewhere: the page says to prepare again here", async () => {
    showWith("open", "payload-made-elsewhere");
    const card = await screen.findByRole("article", { name: "Show purse · Fighter A" });
    await within(card).findByText(
      "A newer sign request exists for this escrow. Prepare again on this page to see it.",
    );
    expect(within(card).queryByRole("region", { name: "Replaced sign request" })).toBeNull();
    expect(within(card).queryByRole("button")).toBeNull();
  });
});
