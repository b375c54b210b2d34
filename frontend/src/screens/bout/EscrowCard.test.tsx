import { render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { escrowView } from "../../test/fixtures";
import { ADMIN, renderWithSession } from "../../test/render";
import { EscrowCard } from "./EscrowCard";

const GUIDANCE: Record<string, string> = {
  signing_declined: "The promoter declined in Xaman. Prepare again to send a new sign request.",
  signing_expired: "The sign request expired unsigned. Prepare again and reconcile.",
  confirmation_timeout:
    "Not validated yet. Retry the confirmation later with validated ledger evidence (a new attempt uses a new Idempotency-Key).",
  ledger_tec_tem:
    "The ledger rejected the transaction. Do not retry automatically; investigate the result code.",
  invalid_confirmation:
    "The evidence does not match what was prepared. Rebuild from a fresh prepare.",
};

describe("EscrowCard", () => {
  test("shows kind, status, amount in XRP and drops, destination and both time bounds", () => {
    render(<EscrowCard escrow={escrowView("bonus_b", "created")} destinationName="Blake Bravo" />);
    const card = screen.getByRole("article", { name: "Win bonus · Fighter B" });
    expect(card.textContent).toContain("Created on ledger");
    expect(card.textContent).toContain("1.000001 XRP (1,000,001 drops)");
    expect(card.textContent).toContain("Blake Bravo");
    expect(card.textContent).toContain("rKmh2FJyxgkajTtSx3EgCYkWYsmmuk561G");
    expect(card.textContent).toContain("FinishAfter");
    expect(card.textContent).toContain("CancelAfter");
    // 857,000,000 ripple seconds is 2027-02-26T23:33:20Z, shown as a local time with a countdown.
    const finish = card.querySelector('time[datetime="2027-02-26T23:33:20.000Z"]');
    expect(finish).not.toBeNull();
    expect(card.textContent).toMatch(/\((in .+|.+ ago)\)/);
  });

  test("a show escrow has no CancelAfter", () => {
    render(<EscrowCard escrow={escrowView("show_a", "planned")} destinationName="Alex" />);
    expect(screen.getByRole("article").textContent).not.toContain("CancelAfter");
  });

  test.each(Object.entries(GUIDANCE))(
    "failure %s comes with the runbook guidance",
    (code, guidance) => {
      const escrow = escrowView("show_a", "planned", {
        failure_code: code,
        failure_reason: "Reason from the service.",
      });
      render(<EscrowCard escrow={escrow} destinationName="Alex" />);
      const card = screen.getByRole("article");
      expect(card.textContent).toContain(code);
      expect(card.textContent).toContain("Reason from the service.");
      expect(card.textContent).toContain(guidance);
    },
  );

  test.each([
    ["the fighter", "finished", "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV", "Finished by"],
    ["the promoter", "finished", "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW", "Finished by"],
    ["another account", "cancelled", "rKmh2FJyxgkajTtSx3EgCYkWYsmmuk561G", "Cancelled by"],
  ] as const)("a close submitted by %s says so", async (who, status, address, label) => {
    const escrow = escrowView("bonus_a", status, { closed_by_address: address });
    renderWithSession(<EscrowCard escrow={escrow} destinationName="Alex" />, { user: ADMIN });
    const term = screen.getByText(label, { selector: "dt" });
    const value = term.nextElementSibling as HTMLElement;
    expect(value.textContent).toBe(`${address} (${who})`);
    expect(value.getAttribute("data-closed-by")).toBe(who);
    // The account links to the explorer of the service's network (TESTNET here).
    const link = await within(value).findByRole("link", { name: new RegExp(`^${address}`) });
    expect(link.getAttribute("href")).toBe(`https://testnet.xrpl.org/accounts/${address}`);
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
  });

  test("without a known submitter (stub mode) the card names nobody", () => {
    render(<EscrowCard escrow={escrowView("show_a", "finished")} destinationName="Alex" />);
    expect(screen.getByRole("article").textContent).not.toMatch(/Finished by|Cancelled by/);
  });

  test("a superseded sign request is explained as final", () => {
    const escrow = escrowView("show_b", "planned", {
      signing: { payload_id: "p-old", status: "superseded", updated_at: "2027-02-01T10:00:00Z" },
    });
    render(<EscrowCard escrow={escrow} destinationName="Blake" />);
    const status = screen.getByRole("article").querySelector('[data-signing-status="superseded"]');
    expect(status?.textContent).toContain(
      "Replaced by a newer request Replaced by a newer request; it can no longer be signed.",
    );
  });
});
