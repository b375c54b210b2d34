import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { BoutView, UserOut } from "../../api/client";
import { json, type Responder } from "../../test/fakeFetch";
import { BOUT_ID, boutView, escrowView } from "../../test/fixtures";
import { ADMIN, FIGHTER, PROMOTER, renderWithSession } from "../../test/render";
import { BoutDetail } from "./BoutDetail";
import { withdrawBlockers } from "./WithdrawBout";

const OTHER_PROMOTER: UserOut = {
  user_id: "77777777-7777-4777-8777-777777777777",
  email: "other@example.com",
  role: "promoter",
};

function withdrawnView(): BoutView {
  return { ...boutView("withdrawn"), updated_at: "2027-02-02T10:00:00Z" };
}

function draftWith(extra: (bout: BoutView) => void = () => undefined): BoutView {
  const bout = boutView("draft");
  extra(bout);
  return bout;
}

function show(bout: BoutView | (() => BoutView), user: UserOut = PROMOTER, withdraw?: Responder) {
  const current = typeof bout === "function" ? bout : () => bout;
  return renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
    user,
    routes: {
      [`GET /bouts/${BOUT_ID}`]: () => json(200, current()),
      [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
      [`GET /bouts/${BOUT_ID}/evidence`]: () => json(200, {}),
      "GET /fighters": () => json(200, []),
      ...(withdraw ? { [`POST /bouts/${BOUT_ID}/withdraw`]: withdraw } : {}),
    },
  });
}

async function withdrawSection() {
  await screen.findByRole("heading", { name: "Fixture Fight Night" });
  return screen.queryByRole("region", { name: "Withdraw the bout" });
}

describe("withdrawing a draft bout", () => {
  test("the owner withdraws after a confirmation that says what it does", async () => {
    const { calls } = show(draftWith(), PROMOTER, () => json(200, withdrawnView()));
    const section = await withdrawSection();
    expect(section).not.toBeNull();
    await userEvent.click(within(section!).getByRole("button", { name: "Withdraw this bout" }));

    const warning = within(section!).getByRole("status");
    expect(warning.textContent).toContain("Withdraw Fixture Fight Night?");
    expect(warning.textContent).toContain("cancelled for good");
    expect(warning.textContent).toContain("open sign requests are withdrawn");
    expect(warning.textContent).toContain("No money was locked");
    expect(calls.some((call) => call.path.endsWith("/withdraw"))).toBe(false);

    // "Keep the bout" goes back without asking the service.
    await userEvent.click(within(section!).getByRole("button", { name: "Keep the bout" }));
    expect(within(section!).queryByRole("status")).toBeNull();
    await userEvent.click(within(section!).getByRole("button", { name: "Withdraw this bout" }));
    await userEvent.click(
      within(section!).getByRole("button", { name: "Yes, withdraw this bout" }),
    );

    expect(await screen.findByText(/The bout is withdrawn\./)).toBeTruthy();
    const sent = calls.filter((call) => call.path.endsWith("/withdraw"));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe("POST");
    expect(sent[0]?.body).toBeUndefined();
    // The withdrawn bout, as the service answered it.
    const heading = screen.getByRole("heading", { name: "Fixture Fight Night" });
    expect(heading.parentElement?.textContent).toContain("Withdrawn");
    expect(document.querySelector('[data-withdrawn="true"]')?.textContent).toContain(
      "called off before any money was locked",
    );
    expect(document.querySelector(".progress li.current")?.textContent).toBe("Withdrawn");
    expect(screen.queryByRole("region", { name: "Withdraw the bout" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Prepare/ })).toBeNull();
    expect(document.activeElement).toBe(heading);
  });

  test.each<[string, UserOut]>([
    ["a fighter", FIGHTER],
    ["an admin", ADMIN],
    ["another promoter", OTHER_PROMOTER],
  ])("not offered to %s", async (_, user) => {
    show(draftWith(), user);
    expect(await withdrawSection()).toBeNull();
    expect(screen.queryByRole("button", { name: "Withdraw this bout" })).toBeNull();
  });

  test.each<[string, BoutView]>([
    ["escrows created", boutView("escrows_created")],
    ["closed", boutView("closed", { statuses: { bonus_b: "cancelled" } })],
    ["withdrawn already", withdrawnView()],
  ])("not offered once the bout is past draft (%s)", async (_, bout) => {
    show(bout);
    expect(await withdrawSection()).toBeNull();
  });

  test("an escrow already created: no button, the reason and the way out instead", async () => {
    show(
      draftWith((bout) => {
        bout.escrows[0] = escrowView("show_a", "created");
      }),
    );
    const section = await withdrawSection();
    expect(within(section!).queryByRole("button")).toBeNull();
    const text = section!.textContent ?? "";
    expect(text).toContain("can no longer be withdrawn: money may be locked");
    expect(text).toContain(
      "Show purse · Fighter A: already created on the ledger, so its money is in escrow.",
    );
    expect(text).toContain("Confirm the escrows");
    expect(text).toContain("no contest");
  });

  test("a signed EscrowCreate not yet confirmed also blocks it", async () => {
    show(
      draftWith((bout) => {
        bout.escrows[3] = escrowView("bonus_b", "planned", {
          signing: { payload_id: "p-b", status: "signed", updated_at: "2027-02-01T10:00:00Z" },
        });
      }),
    );
    const section = await withdrawSection();
    expect(within(section!).queryByRole("button")).toBeNull();
    expect(section!.textContent).toContain(
      "Win bonus · Fighter B: its EscrowCreate was signed in Xaman and may already be on the ledger",
    );
  });

  test("open, declined or expired sign requests do not block it", () => {
    const bout = draftWith((view) => {
      view.escrows[0] = escrowView("show_a", "planned", {
        signing: { payload_id: "p-1", status: "open", updated_at: "2027-02-01T10:00:00Z" },
      });
      view.escrows[1] = escrowView("show_b", "planned", {
        signing: { payload_id: "p-2", status: "declined", updated_at: "2027-02-01T10:00:00Z" },
      });
      view.escrows[2] = escrowView("bonus_a", "planned", {
        signing: { payload_id: "p-3", status: "expired", updated_at: "2027-02-01T10:00:00Z" },
      });
    });
    expect(withdrawBlockers(bout)).toEqual([]);
  });

  test("the service's refusal is shown in its words, and the page catches up", async () => {
    let fresh = draftWith();
    const { calls } = show(
      () => fresh,
      PROMOTER,
      () => {
        // Meanwhile another tab confirmed an escrow.
        fresh = draftWith((bout) => {
          bout.escrows[0] = escrowView("show_a", "created");
        });
        return json(409, {
          detail:
            "Money is locked in escrow for this bout; confirm every escrow, then enter the result as a no contest.",
          code: "state_conflict",
          bout_status: "draft",
          escrow_kinds: ["show_a"],
          request_id: "req-42",
        });
      },
    );
    const section = await withdrawSection();
    await userEvent.click(within(section!).getByRole("button", { name: "Withdraw this bout" }));
    await userEvent.click(
      within(section!).getByRole("button", { name: "Yes, withdraw this bout" }),
    );
    const alert = await within(section!).findByRole("alert");
    expect(alert.textContent).toContain("The bout was not withdrawn");
    expect(alert.textContent).toContain(
      "Money is locked in escrow for this bout; confirm every escrow, then enter the result as a no contest.",
    );
    expect(alert.textContent).toContain("Escrows concerned: Show purse · Fighter A.");
    expect(alert.textContent).toContain("req-42");
    // Reloaded: the console now knows why, and no longer offers the button.
    await waitFor(() =>
      expect(section!.querySelector('[data-withdraw-blocked="true"]')).not.toBeNull(),
    );
    expect(within(section!).queryByRole("button")).toBeNull();
    expect(within(section!).getByRole("alert")).toBeTruthy();
    expect(calls.filter((call) => call.path === `/bouts/${BOUT_ID}`).length).toBeGreaterThan(1);
    expect(screen.queryByText(/The bout is withdrawn\./)).toBeNull();
  });

  test("a signed request found at Xaman is named; Xaman down changes nothing and can be retried", async () => {
    let attempt = 0;
    show(draftWith(), PROMOTER, () => {
      attempt += 1;
      return attempt === 1
        ? json(502, {
            detail: "Xaman did not answer in time.",
            code: "xaman_unavailable",
          })
        : json(409, {
            detail:
              "The signer signed an EscrowCreate of this bout, which may be on the ledger; confirm it first, then settle the bout as a no contest.",
            code: "state_conflict",
            payload_ids: ["payload-signed-1"],
          });
    });
    const section = await withdrawSection();
    await userEvent.click(within(section!).getByRole("button", { name: "Withdraw this bout" }));
    await userEvent.click(
      within(section!).getByRole("button", { name: "Yes, withdraw this bout" }),
    );
    let alert = await within(section!).findByRole("alert");
    expect(alert.textContent).toContain("Xaman did not answer in time.");
    expect(alert.textContent).toContain("Nothing changed; try again.");

    await userEvent.click(within(section!).getByRole("button", { name: "Withdraw this bout" }));
    await userEvent.click(
      within(section!).getByRole("button", { name: "Yes, withdraw this bout" }),
    );
    await waitFor(() =>
      expect(within(section!).getByRole("alert").textContent).toContain("payload-signed-1"),
    );
    alert = within(section!).getByRole("alert");
    expect(alert.textContent).toContain("The signer signed an EscrowCreate of this bout");
  });
});
