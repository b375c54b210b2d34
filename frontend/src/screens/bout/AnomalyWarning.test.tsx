import { render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { json } from "../../test/fakeFetch";
import { BOUT_ID, boutView, escrowView } from "../../test/fixtures";
import { ADMIN, PROMOTER, renderWithSession } from "../../test/render";
import { AnomalyWarning, type Anomaly } from "./AnomalyWarning";
import { BoutDetail } from "./BoutDetail";

const TX = "AB".repeat(32);
const FINISHED_EARLY: Anomaly = {
  escrow_kind: "bonus_a",
  tx_hash: TX,
  reason: "The bonus was finished before any result was entered (its preimage was revealed).",
  observed_at: "2027-03-01T22:10:00Z",
};

describe("AnomalyWarning", () => {
  test("no anomaly: nothing at all", () => {
    const { container } = render(<AnomalyWarning anomalies={[]} />);
    expect(container.innerHTML).toBe("");
  });

  test("one anomaly: announced, with the escrow, the reason, the transaction and when", async () => {
    renderWithSession(<AnomalyWarning anomalies={[FINISHED_EARLY]} />, { user: ADMIN });
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain(
      "Ledger anomaly: money moved in a way the outcome did not allow",
    );
    expect(alert.textContent).toContain("the service recorded it as the ledger shows");
    expect(alert.textContent).toContain("The operator follows the runbook's procedure");
    const [item] = within(alert).getAllByRole("listitem");
    expect(item?.textContent).toContain(`Win bonus · Fighter A: ${FINISHED_EARLY.reason}`);
    expect(item?.querySelector('time[datetime="2027-03-01T22:10:00Z"]')).not.toBeNull();
    const link = await within(alert).findByRole("link", { name: new RegExp(`^${TX}`) });
    expect(link.getAttribute("href")).toBe(`https://testnet.xrpl.org/transactions/${TX}`);
  });

  test("several anomalies, one without a known transaction", () => {
    const cancelled: Anomaly = {
      escrow_kind: "show_b",
      tx_hash: null,
      reason: "A show escrow was cancelled back to the promoter.",
      observed_at: null,
    };
    render(<AnomalyWarning anomalies={[FINISHED_EARLY, cancelled]} />);
    const alert = screen.getByRole("alert");
    expect(alert.getAttribute("data-anomalies")).toBe("2");
    expect(alert.textContent).toContain("Ledger anomalies:");
    expect(alert.textContent).toContain("the service recorded them as the ledger shows");
    const items = within(alert).getAllByRole("listitem");
    expect(items[1]?.textContent).toContain("Show purse · Fighter B: A show escrow was cancelled");
    expect(items[1]?.textContent).toContain("Transaction: not known to the service");
    expect(items[1]?.querySelector("time")).toBeNull();
  });
});

test("the bout page puts the warning at the top and marks the escrow it concerns", async () => {
  const bout = boutView("escrows_created");
  bout.escrows[2] = escrowView("bonus_a", "finished", {
    close_tx_hash: TX,
    closed_by_address: "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV",
  });
  bout.anomalies = [FINISHED_EARLY];
  renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
    user: PROMOTER,
    routes: {
      [`GET /bouts/${BOUT_ID}`]: () => json(200, bout),
      [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
      "GET /fighters": () => json(200, []),
    },
  });
  const alert = await screen.findByRole("alert");
  // Before anything else of the bout: right under its title.
  const heading = screen.getByRole("heading", { name: "Fixture Fight Night" });
  expect(heading.compareDocumentPosition(alert) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  expect(
    alert.compareDocumentPosition(screen.getByText("Event")) & Node.DOCUMENT_POSITION_FOLLOWING,
  ).toBeTruthy();

  const card = screen.getByRole("article", { name: "Win bonus · Fighter A" });
  expect(card.getAttribute("data-anomaly")).toBe("true");
  expect(card.querySelector(".badge")?.className).toContain("badge-bad");
  expect(card.textContent).toContain(
    "Money moved on the ledger in a way the outcome did not allow",
  );
  const other = screen.getByRole("article", { name: "Win bonus · Fighter B" });
  expect(other.getAttribute("data-anomaly")).toBeNull();
  expect(other.querySelector(".badge")?.className).toContain("badge-info");
});
