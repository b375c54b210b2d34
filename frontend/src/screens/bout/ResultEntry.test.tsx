import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { Outcome, ResultOut } from "../../api/client";
import { json } from "../../test/fakeFetch";
import { BOUT_ID, FIGHTER_A_ID, FIGHTER_B_ID, boutView } from "../../test/fixtures";
import { ADMIN, renderWithSession } from "../../test/render";
import { BoutDetail } from "./BoutDetail";

const FIGHTERS = [
  { user_id: FIGHTER_A_ID, display_name: "Alex Alpha", xrpl_address: "rA", email: "a@x.test" },
  { user_id: FIGHTER_B_ID, display_name: "Blake Bravo", xrpl_address: "rB", email: "b@x.test" },
];

function answer(outcome: Outcome): ResultOut {
  const winner = outcome === "win_a" ? "A" : outcome === "win_b" ? "B" : null;
  return { bout_id: BOUT_ID, bout_status: "result_entered", winner, outcome };
}

function openAsAdmin(result: () => Response) {
  return renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
    user: ADMIN,
    routes: {
      [`GET /bouts/${BOUT_ID}`]: () => json(200, boutView("escrows_created")),
      [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
      "GET /fighters": () => json(200, FIGHTERS),
      [`POST /bouts/${BOUT_ID}/result`]: result,
    },
  });
}

describe("result entry (admin)", () => {
  test.each<[string, RegExp, Outcome, object, string, RegExp]>([
    [
      "fighter A wins",
      /^Fighter A wins: Alex Alpha$/,
      "win_a",
      { winner: "A" },
      "Result entered: Fighter A (Alex Alpha) won.",
      /fighter A's bonus goes to fighter A and fighter B's bonus returns/,
    ],
    [
      "fighter B wins",
      /^Fighter B wins: Blake Bravo$/,
      "win_b",
      { winner: "B" },
      "Result entered: Fighter B (Blake Bravo) won.",
      /fighter B's bonus goes to fighter B and fighter A's bonus returns/,
    ],
    [
      "a draw",
      /^Draw$/,
      "draw",
      { outcome: "draw" },
      "Result entered: Draw.",
      /both bonuses return to the promoter/,
    ],
    [
      "a no contest",
      /^No contest$/,
      "no_contest",
      { outcome: "no_contest" },
      "Result entered: No contest.",
      /both bonuses return to the promoter/,
    ],
  ])(
    "%s: confirmed first, then sent as the service wants it",
    async (_, label, outcome, body, said, why) => {
      const { calls } = openAsAdmin(() => json(200, answer(outcome)));
      const form = await screen.findByRole("region", { name: "Enter the result" });
      await within(form).findByRole("radio", { name: /Alex Alpha/ });
      const radio = within(form).getByRole("radio", { name: label });
      // Each choice says what it does with the money before anything is recorded.
      expect(radio.getAttribute("aria-describedby")).toBeTruthy();
      await userEvent.click(radio);
      await userEvent.click(within(form).getByRole("button", { name: "Enter result" }));

      const confirmation = within(form).getByRole("status");
      expect(confirmation.textContent).toContain("This cannot be changed.");
      expect(confirmation.textContent).toMatch(why);
      expect(calls.some((call) => call.path.endsWith("/result"))).toBe(false);

      await userEvent.click(within(form).getByRole("button", { name: "Yes, record the result" }));
      expect(await screen.findByText(said)).toBeTruthy();
      const sent = calls.filter((call) => call.path.endsWith("/result"));
      expect(sent).toHaveLength(1);
      expect(sent[0]?.body).toEqual(body);
    },
  );

  test("Back leaves the choice unrecorded; nothing is sent without a choice", async () => {
    const { calls } = openAsAdmin(() => json(200, answer("draw")));
    const form = await screen.findByRole("region", { name: "Enter the result" });
    const enter = within(form).getByRole("button", { name: "Enter result" }) as HTMLButtonElement;
    expect(enter.disabled).toBe(true);
    await userEvent.click(within(form).getByRole("radio", { name: "Draw" }));
    await userEvent.click(enter);
    await userEvent.click(within(form).getByRole("button", { name: "Back" }));
    expect(within(form).queryByRole("status")).toBeNull();
    expect(calls.some((call) => call.path.endsWith("/result"))).toBe(false);
  });

  test("a refusal is explained and nothing is claimed", async () => {
    openAsAdmin(() =>
      json(409, {
        detail:
          "A result can be entered once, when all four escrows are created; the bout is result_entered.",
        code: "state_conflict",
      }),
    );
    const form = await screen.findByRole("region", { name: "Enter the result" });
    await userEvent.click(within(form).getByRole("radio", { name: "No contest" }));
    await userEvent.click(within(form).getByRole("button", { name: "Enter result" }));
    await userEvent.click(within(form).getByRole("button", { name: "Yes, record the result" }));
    const alert = await within(form).findByRole("alert");
    expect(alert.textContent).toContain("A result can be entered once");
    expect(screen.queryByText(/^Result entered:/)).toBeNull();
  });
});

describe("a result the ledger had already got ahead of", () => {
  test.each<[ResultOut["bout_status"], string]>([
    [
      "payouts_in_progress",
      "Result entered: Draw. The bout is now Payouts in progress: the ledger already shows an escrow of this bout settled.",
    ],
    [
      "closed",
      "Result entered: Draw. The bout is now Closed: every escrow this result pays was already settled on the ledger.",
    ],
  ])("the service answers %s: the page says so", async (status, said) => {
    openAsAdmin(() => json(200, { ...answer("draw"), bout_status: status }));
    const form = await screen.findByRole("region", { name: "Enter the result" });
    await userEvent.click(within(form).getByRole("radio", { name: /^Draw$/ }));
    await userEvent.click(within(form).getByRole("button", { name: "Enter result" }));
    await userEvent.click(within(form).getByRole("button", { name: "Yes, record the result" }));
    expect(await screen.findByText(said)).toBeTruthy();
  });
});
