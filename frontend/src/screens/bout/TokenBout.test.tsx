import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import type { EscrowPrepareOut, EvidenceOut } from "../../api/client";
import { json } from "../../test/fakeFetch";
import { showBout } from "../../test/boutPage";
import {
  BOUT_ID,
  TOKEN_ISSUER,
  TOKEN_SHOW_CANCEL_AFTER,
  boutView,
  tokenBoutView,
} from "../../test/fixtures";
import { ADMIN, PROMOTER, renderWithSession } from "../../test/render";
import { BoutList } from "../bouts/BoutList";

const RLUSD = "524C555344000000000000000000000000000000";

const show = showBout;

function fact(name: string): HTMLElement {
  const term = screen.getAllByText(name, { selector: "dt" })[0]!;
  return term.nextElementSibling as HTMLElement;
}

function card(name: string): HTMLElement {
  return screen.getByRole("article", { name });
}

describe("a token bout's page", () => {
  test("the token, its issuer linked to the explorer, and the exact total in its units", async () => {
    show(tokenBoutView("draft"));
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(fact("Total locked").textContent).toBe("3,250.76 USD");
    const paidIn = fact("Paid in");
    expect(paidIn.textContent).toBe(`USD, issued by ${TOKEN_ISSUER}`);
    expect(within(paidIn).getByRole("link").getAttribute("href")).toBe(
      `https://testnet.xrpl.org/accounts/${TOKEN_ISSUER}`,
    );
    expect(within(card("Show purse · Fighter B")).getByText("1,250.5 USD")).toBeTruthy();
    expect(within(card("Win bonus · Fighter B")).getByText("0.01 USD")).toBeTruthy();
  });

  test("before prepare read the rate: the fee is not read yet, nor what the fighter receives", async () => {
    show(tokenBoutView("draft"));
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(fact("Transfer fee").textContent).toContain("not read yet");
    const net = within(card("Show purse · Fighter A")).getByText("The fighter receives");
    expect(net.nextElementSibling?.textContent).toBe(
      "not known: it depends on the issuer's transfer fee, which a stub ledger never reads",
    );
  });

  test("a fee of 0.2%: what the fighter receives after it, exactly as the service says", async () => {
    show(
      tokenBoutView("escrows_created", {
        transferRate: 1_002_000_000,
        net: { show_a: "1497.00598802395" },
      }),
    );
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(fact("Transfer fee").textContent).toBe(
      "0.2% (TransferRate 1002000000, read at escrow prepare)",
    );
    const showA = card("Show purse · Fighter A");
    const net = showA.querySelector("[data-net-amount]") as HTMLElement;
    expect(net.getAttribute("data-net-amount")).toBe("1497.00598802395");
    expect(net.textContent).toContain("1,497.00598802395 USD");
    expect(net.textContent).toContain("after the issuer's transfer fee");
  });

  test("no fee: the fighter receives the whole amount", async () => {
    show(tokenBoutView("escrows_created", { transferRate: 1_000_000_000 }));
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(fact("Transfer fee").textContent).toContain("no fee");
    const net = card("Show purse · Fighter A").querySelector("[data-net-amount]")!;
    expect(net.textContent).toBe("1,500 USD (the whole amount: no transfer fee applies)");
  });

  test("a token show escrow must be finished by its CancelAfter; a bonus keeps its CancelAfter", async () => {
    show(tokenBoutView("escrows_created"));
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    const showA = card("Show purse · Fighter A");
    const deadline = showA.querySelector("[data-finish-deadline]") as HTMLElement;
    expect(deadline.previousElementSibling?.textContent).toBe("Must be finished by");
    expect(deadline.querySelector("time")?.getAttribute("dateTime")).toBe(
      new Date((TOKEN_SHOW_CANCEL_AFTER + 946_684_800) * 1000).toISOString(),
    );
    expect(deadline.textContent).toContain(
      "a show purse not finished by then can be cancelled back to the promoter by anyone",
    );
    const bonus = card("Win bonus · Fighter A");
    expect(within(bonus).getByText("CancelAfter")).toBeTruthy();
    expect(bonus.querySelector("[data-finish-deadline]")).toBeNull();
  });

  test("a 40-digit currency is shown decoded, with the code itself kept visible", async () => {
    show(tokenBoutView("draft", { label: "RLUSD", currency: RLUSD }));
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(fact("Paid in").textContent).toBe(
      `RLUSD (currency code ${RLUSD}), issued by ${TOKEN_ISSUER}`,
    );
    expect(fact("Total locked").textContent).toBe("3,250.76 RLUSD");
    expect(within(card("Show purse · Fighter A")).getByText("1,500 RLUSD")).toBeTruthy();
  });

  test("an XRP bout looks as it always did: no token facts, totals in XRP and drops", async () => {
    show(boutView("escrows_created"));
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(fact("Total locked").textContent).toBe("12.750001 XRP (12,750,001 drops)");
    expect(screen.queryByText("Paid in")).toBeNull();
    expect(screen.queryByText("Transfer fee")).toBeNull();
    expect(screen.queryByText("The fighter receives")).toBeNull();
    expect(screen.queryByText("Must be finished by")).toBeNull();
  });
});

test("the bouts list totals a token bout in its units", async () => {
  renderWithSession(<BoutList />, {
    routes: {
      "GET /bouts": () =>
        json(200, { items: [tokenBoutView("draft"), boutView("draft")], next_cursor: null }),
      "GET /fighters": () => json(200, []),
    },
  });
  const links = await screen.findAllByRole("link", { name: /Fixture Fight Night/ });
  expect(links[0]?.textContent).toContain("total 3,250.76 USD");
  expect(links[1]?.textContent).toContain("total 12.750001 XRP (12,750,001 drops)");
});

describe("the stub ledger's confirm of a token EscrowCreate", () => {
  const prepared: EscrowPrepareOut = {
    bout_id: BOUT_ID,
    escrows: [
      {
        escrow_id: "e-show_b",
        escrow_kind: "show_b",
        unsigned_tx: {
          TransactionType: "EscrowCreate",
          Account: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
          Destination: "rKmh2FJyxgkajTtSx3EgCYkWYsmmuk561G",
          Amount: { currency: "USD", issuer: TOKEN_ISSUER, value: "1250.5" },
          FinishAfter: 857000000,
          CancelAfter: TOKEN_SHOW_CANCEL_AFTER,
        },
        xaman_sign_request: {
          payload_id: "payload-show-b",
          deep_link_url: "https://xaman.app/sign/payload-show-b",
          qr_png_url: "",
          websocket_status_url: "",
          expires_at: "2027-03-01T20:00:00Z",
          mode: "stub",
        },
      },
    ],
  };

  test("the evidence carries the amount object from the escrow's amount, and no amount_drops", async () => {
    sessionStorage.setItem(
      `ringledger.prepared.${BOUT_ID}.escrows`,
      JSON.stringify({ prepared: prepared.escrows, signedHashes: {} }),
    );
    const bout = tokenBoutView("draft");
    bout.escrows[1] = {
      ...bout.escrows[1]!,
      signing: { payload_id: "payload-show-b", status: "open", updated_at: bout.updated_at },
    };
    const { calls } = show(bout, PROMOTER, {
      [`POST /bouts/${BOUT_ID}/escrows/confirm`]: () =>
        json(200, {
          bout_id: BOUT_ID,
          escrow_id: "e-show_b",
          escrow_kind: "show_b",
          escrow_status: "created",
          bout_status: "draft",
          tx_hash: "E".repeat(64),
          offer_sequence: 7,
        }),
    });
    const showB = await screen.findByRole("article", { name: "Show purse · Fighter B" });
    expect(within(showB).queryByLabelText("Amount (drops)")).toBeNull();
    expect((within(showB).getByLabelText("Amount value") as HTMLInputElement).value).toBe("1250.5");
    expect((within(showB).getByLabelText("Amount currency") as HTMLInputElement).value).toBe("USD");
    expect((within(showB).getByLabelText("Amount issuer") as HTMLInputElement).value).toBe(
      TOKEN_ISSUER,
    );
    await userEvent.click(within(showB).getByRole("button", { name: "Confirm escrow created" }));
    await waitFor(() => expect(calls.some((call) => call.path.endsWith("/confirm"))).toBe(true));
    const body = calls.find((call) => call.path.endsWith("/escrows/confirm"))?.body as Record<
      string,
      unknown
    >;
    expect(body.amount).toEqual({ currency: "USD", issuer: TOKEN_ISSUER, value: "1250.5" });
    expect(body).not.toHaveProperty("amount_drops");
    expect(body.cancel_after_ripple).toBe(TOKEN_SHOW_CANCEL_AFTER);
  });
});

test("the admin's evidence download shows its amounts: locked, after the fee, delivered", async () => {
  const createObjectURL = vi.fn(() => "blob:evidence");
  const revokeObjectURL = vi.fn();
  vi.stubGlobal("URL", Object.assign(URL, { createObjectURL, revokeObjectURL }));
  const usd = (value: string) => ({ currency: "USD", issuer: TOKEN_ISSUER, value });
  const evidence = {
    amounts: [
      {
        escrow_kind: "show_a",
        amount: usd("1500"),
        net_amount: usd("1497.00598802395"),
        delivered_amount: usd("1497.00598802396"),
      },
      { escrow_kind: "bonus_b", amount: usd("0.01"), net_amount: null, delivered_amount: null },
      {
        escrow_kind: "show_b",
        amount: "4500000",
        net_amount: "4500000",
        delivered_amount: "4500000",
      },
    ],
  } as unknown as EvidenceOut;
  show(tokenBoutView("closed"), ADMIN, {
    [`GET /bouts/${BOUT_ID}/evidence`]: () => json(200, evidence),
  });
  await userEvent.click(await screen.findByRole("button", { name: "Download evidence (JSON)" }));
  const table = await screen.findByRole("table", { name: "Amounts in the evidence document" });
  const showA = within(table).getByRole("row", { name: /Show purse · Fighter A/ });
  expect(showA.textContent).toBe(
    "Show purse · Fighter A1,500 USD1,497.00598802395 USD1,497.00598802396 USD",
  );
  const bonusB = within(table).getByRole("row", { name: /Win bonus · Fighter B/ });
  expect(bonusB.textContent).toBe("Win bonus · Fighter B0.01 USDnot known yetnot known");
  expect(within(table).getByRole("row", { name: /Show purse · Fighter B/ }).textContent).toContain(
    "4.5 XRP (4,500,000 drops)",
  );
  vi.unstubAllGlobals();
});
