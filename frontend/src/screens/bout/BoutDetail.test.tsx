import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { BoutView, UserOut } from "../../api/client";
import { json, type Responder } from "../../test/fakeFetch";
import { BOUT_ID, boutView } from "../../test/fixtures";
import { ADMIN, FIGHTER, PROMOTER, renderWithSession } from "../../test/render";
import { BoutDetail } from "./BoutDetail";

function show(bout: BoutView, user: UserOut = PROMOTER, extra: Record<string, Responder> = {}) {
  return renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
    user,
    routes: {
      [`GET /bouts/${BOUT_ID}`]: () => json(200, bout),
      [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
      "GET /fighters": () => json(200, []),
      ...extra,
    },
  });
}

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
    expect((await screen.findByText(/Refund pending/)).getAttribute("data-refund-pending")).toBe(
      "true",
    );
  });
});

describe("roles", () => {
  test("the admin enters the winner after a confirmation step", async () => {
    const { calls } = show(boutView("escrows_created"), ADMIN, {
      [`POST /bouts/${BOUT_ID}/result`]: () =>
        json(200, { bout_id: BOUT_ID, bout_status: "result_entered", winner: "B" }),
      [`GET /bouts/${BOUT_ID}/evidence`]: () => json(200, {}),
    });
    const form = await screen.findByRole("region", { name: "Enter the result" });
    await userEvent.click(within(form).getByRole("radio", { name: /Fighter B/ }));
    await userEvent.click(within(form).getByRole("button", { name: "Enter result" }));
    expect(calls.some((call) => call.path.endsWith("/result"))).toBe(false);
    await userEvent.click(within(form).getByRole("button", { name: "Yes, record the winner" }));
    expect(await screen.findByText(/Result entered: .* \(fighter B\) won\./)).toBeTruthy();
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
