import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { BoutView } from "../../api/client";
import { json } from "../../test/fakeFetch";
import { showBout } from "../../test/boutPage";
import { BOUT_ID, boutView } from "../../test/fixtures";
import { ADMIN, FIGHTER, renderWithSession } from "../../test/render";
import { BoutDetail } from "./BoutDetail";

const show = showBout;

describe("the bout page in every status", () => {
  test.each<[string, BoutView, string | null]>([
    ["draft", boutView("draft"), "Prepare escrows"],
    ["escrows_created", boutView("escrows_created"), null],
    ["result_entered", boutView("result_entered"), "Prepare payouts"],
    [
      "payouts_in_progress",
      boutView("payouts_in_progress", { statuses: { show_a: "finished" } }),
      "Prepare payouts",
    ],
    [
      "closed, refund pending",
      boutView("closed", { refundPending: true, statuses: { bonus_b: "created" } }),
      "Prepare payouts",
    ],
    ["closed, refunded", boutView("closed", { statuses: { bonus_b: "cancelled" } }), null],
  ])("%s", async (_, bout, action) => {
    show(bout);
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(screen.getAllByRole("article")).toHaveLength(4);
    if (action) expect(screen.getByRole("button", { name: action })).toBeTruthy();
    else expect(screen.queryByRole("button", { name: /^Prepare/ })).toBeNull();
    expect(await screen.findByRole("heading", { name: "Audit timeline" })).toBeTruthy();
  });

  test("a closed bout says whether the loser's refund is still pending", async () => {
    show(boutView("closed", { refundPending: true, statuses: { bonus_b: "created" } }));
    const note = await screen.findByText(/Refund pending: fighter B's bonus returns/);
    expect(note.getAttribute("data-refund-pending")).toBe("true");
    expect(screen.getByText("Fighter A (Fighter 55555555) won")).toBeTruthy();
  });
});

describe("a draw or a no contest", () => {
  const drawn = (
    statuses: NonNullable<Parameters<typeof boutView>[1]>["statuses"],
    refundPending: boolean,
  ) =>
    boutView(
      statuses?.show_a === "finished" && statuses.show_b === "finished"
        ? "closed"
        : "payouts_in_progress",
      {
        outcome: "draw",
        refundPending,
        statuses,
      },
    );

  test("before the shows are paid: both shows to the fighters, both bonuses back after CancelAfter", async () => {
    show(
      boutView("result_entered", {
        outcome: "draw",
        refundPending: true,
        statuses: { show_a: "created", show_b: "created", bonus_a: "created", bonus_b: "created" },
      }),
    );
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(screen.getByText("Draw", { selector: "dd" })).toBeTruthy();
    const note = document.querySelector('[data-outcome="draw"][data-refund-pending]');
    expect(note?.getAttribute("data-refund-pending")).toBe("true");
    const text = note?.textContent ?? "";
    expect(text).toContain("Both show purses are paid to the fighters");
    expect(text).toContain("both bonuses return to the promoter");
    expect(text).toContain("Both bonuses are cancelled back after CancelAfter");
    // The CancelAfter date, event + 7 days, is shown with it.
    expect(note?.querySelector('time[datetime="2027-03-08T20:00:00.000Z"]')).not.toBeNull();
    expect(text).toContain("Refunds pending: both bonuses return to the promoter.");
    expect(text).not.toMatch(/winner|loser/i);
    expect(
      screen.getByText(/finish both show escrows to the fighters; cancel both bonuses back/),
    ).toBeTruthy();
  });

  test("closed with both refunds pending, then one, then none", async () => {
    const { unmount } = show(
      drawn(
        { show_a: "finished", show_b: "finished", bonus_a: "created", bonus_b: "created" },
        true,
      ),
    );
    let note = await screen.findByText(/Refunds pending: both bonuses return/);
    expect(note.getAttribute("data-refund-pending")).toBe("true");
    expect(note.textContent).toContain("Closed: the fighters are paid.");
    expect(note.querySelector('time[datetime="2027-03-08T20:00:00.000Z"]')).not.toBeNull();
    // Still a payout phase for the owner: the refunds are prepared from here.
    expect(screen.getByRole("button", { name: "Prepare payouts" })).toBeTruthy();
    expect(screen.getByText(/Take back both bonuses/)).toBeTruthy();
    unmount();

    const second = show(
      drawn(
        { show_a: "finished", show_b: "finished", bonus_a: "cancelled", bonus_b: "created" },
        true,
      ),
    );
    note = await screen.findByText(/Refund pending: fighter B's bonus returns/);
    expect(note.getAttribute("data-refund-pending")).toBe("true");
    second.unmount();

    show(
      drawn(
        { show_a: "finished", show_b: "finished", bonus_a: "cancelled", bonus_b: "cancelled" },
        false,
      ),
    );
    note = await screen.findByText("Closed. Every escrow is settled.");
    expect(note.getAttribute("data-refund-pending")).toBe("false");
    expect(screen.queryByRole("button", { name: "Prepare payouts" })).toBeNull();
  });

  test("a no contest reads as such and never names a winner", async () => {
    show(
      boutView("payouts_in_progress", {
        outcome: "no_contest",
        refundPending: true,
        statuses: { show_a: "finished", bonus_a: "created", bonus_b: "created" },
      }),
      FIGHTER,
    );
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(screen.getByText("No contest", { selector: "dd" })).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/\) won|winner's|loser/);
  });
});

describe("roles", () => {
  test("the admin enters the winner after a confirmation step", async () => {
    const { calls } = show(boutView("escrows_created"), ADMIN, {
      [`POST /bouts/${BOUT_ID}/result`]: () =>
        json(200, {
          bout_id: BOUT_ID,
          bout_status: "result_entered",
          winner: "B",
          outcome: "win_b",
        }),
      [`GET /bouts/${BOUT_ID}/evidence`]: () => json(200, {}),
    });
    const form = await screen.findByRole("region", { name: "Enter the result" });
    await userEvent.click(within(form).getByRole("radio", { name: /Fighter B wins/ }));
    await userEvent.click(within(form).getByRole("button", { name: "Enter result" }));
    expect(calls.some((call) => call.path.endsWith("/result"))).toBe(false);
    await userEvent.click(within(form).getByRole("button", { name: "Yes, record the result" }));
    expect(await screen.findByText(/Result entered: Fighter B \(.*\) won\./)).toBeTruthy();
    expect(calls.find((call) => call.path.endsWith("/result"))?.body).toEqual({ winner: "B" });
    expect(screen.getByRole("button", { name: "Download evidence (JSON)" })).toBeTruthy();
  });

  test("a fighter reads the bout without actions or audit", async () => {
    show(boutView("draft"), FIGHTER);
    await screen.findByRole("heading", { name: "Fixture Fight Night" });
    expect(screen.queryByRole("button", { name: /Prepare/ })).toBeNull();
    expect(screen.queryByRole("heading", { name: "Audit timeline" })).toBeNull();
  });

  test("a bout that cannot be seen is explained", async () => {
    renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
      routes: {
        [`GET /bouts/${BOUT_ID}`]: () =>
          json(404, { detail: "No such bout.", code: "bout_not_found" }),
        "GET /fighters": () => json(200, []),
      },
    });
    expect((await screen.findByRole("alert")).textContent).toContain(
      "This bout does not exist, or you may not see it.",
    );
  });
});
