import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import type { AuditEntry } from "../../api/client";
import { json } from "../../test/fakeFetch";
import { BOUT_ID } from "../../test/fixtures";
import { ADMIN, renderWithSession } from "../../test/render";
import { AuditTimeline } from "./AuditTimeline";

const entries: AuditEntry[] = [
  {
    id: 1,
    at: "2027-02-01T10:00:00Z",
    actor_user_id: "u-1",
    actor_role: "promoter",
    action: "bout.create",
    entity_type: "bout",
    entity_id: BOUT_ID,
    outcome: "applied",
    failure_code: null,
    details: { status: "draft" },
  },
  {
    id: 2,
    at: "2027-02-01T10:05:00Z",
    actor_user_id: "u-1",
    actor_role: "promoter",
    action: "escrow.confirm_create",
    entity_type: "escrow",
    entity_id: "e-1",
    outcome: "rejected",
    failure_code: "ledger_tec_tem",
    details: { escrow_kind: "show_a", reason: "tecUNFUNDED_PAYMENT" },
  },
];

test("entries are listed oldest first with outcome, failure code and details on demand", async () => {
  renderWithSession(<AuditTimeline boutId={BOUT_ID} version={0} />, {
    user: ADMIN,
    routes: { [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, entries) },
  });
  const items = await screen.findAllByRole("listitem");
  expect(items).toHaveLength(2);
  expect(items[0]?.textContent).toContain("bout.create");
  const rejected = items[1]!;
  expect(rejected.textContent).toContain("rejected");
  expect(rejected.textContent).toContain("ledger_tec_tem");
  expect(rejected.textContent).toContain("show_a");
  await userEvent.click(within(rejected).getByText("Details"));
  expect(within(rejected).getByText("tecUNFUNDED_PAYMENT")).toBeTruthy();
});

test("a superseded sign request reads as final in the timeline", async () => {
  const superseded: AuditEntry = {
    id: 3,
    at: "2027-02-01T10:06:00Z",
    actor_user_id: "u-1",
    actor_role: "promoter",
    action: "signing.escrow_create.reconcile",
    entity_type: "signing_attempt",
    entity_id: "s-1",
    outcome: "superseded",
    failure_code: null,
    details: { escrow_kind: "show_a", payload_id: "p-old" },
  };
  renderWithSession(<AuditTimeline boutId={BOUT_ID} version={0} />, {
    user: ADMIN,
    routes: { [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, [entries[0], superseded]) },
  });
  const items = await screen.findAllByRole("listitem");
  expect(items[1]?.getAttribute("data-outcome")).toBe("superseded");
  expect(items[1]?.textContent).toContain(
    "Replaced by a newer request; it can no longer be signed.",
  );
  // Only that entry carries the note.
  expect(items[0]?.textContent).not.toContain("can no longer be signed");
});

test("an anomaly is marked as bad and explained", async () => {
  const anomaly: AuditEntry = {
    id: 4,
    at: "2027-03-01T22:10:00Z",
    actor_user_id: null,
    actor_role: "system",
    action: "escrow.observed_on_ledger",
    entity_type: "escrow",
    entity_id: "e-bonus_a",
    outcome: "anomaly",
    failure_code: null,
    details: { escrow_kind: "bonus_a", tx_hash: "AB".repeat(32) },
  };
  renderWithSession(<AuditTimeline boutId={BOUT_ID} version={0} />, {
    user: ADMIN,
    routes: { [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, [anomaly]) },
  });
  const [item] = await screen.findAllByRole("listitem");
  expect(item?.querySelector(".badge")?.className).toContain("badge-bad");
  expect(item?.textContent).toContain(
    "Money moved on the ledger in a way the outcome did not allow; it is recorded as the ledger shows it.",
  );
});
