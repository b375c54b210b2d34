import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import { json } from "../../test/fakeFetch";
import { BOUT_ID, FIGHTER_A_ID, FIGHTER_B_ID, boutView } from "../../test/fixtures";
import { renderWithSession } from "../../test/render";
import { NewBout } from "./NewBout";

const FIGHTERS = [
  {
    user_id: FIGHTER_A_ID,
    email: "a@example.com",
    display_name: "Alex Alpha",
    xrpl_address: "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV",
  },
  {
    user_id: FIGHTER_B_ID,
    email: "b@example.com",
    display_name: "Blake Bravo",
    xrpl_address: "rKmh2FJyxgkajTtSx3EgCYkWYsmmuk561G",
  },
];

async function fillForm() {
  await waitFor(() =>
    expect(screen.getAllByRole("option", { name: /Alex Alpha/ })).toHaveLength(2),
  );
  await userEvent.selectOptions(screen.getByLabelText("Fighter A"), FIGHTER_A_ID);
  await userEvent.selectOptions(screen.getByLabelText("Fighter B"), FIGHTER_B_ID);
  const when = screen.getByLabelText("Event start (your local time)");
  await userEvent.clear(when);
  await userEvent.type(when, "2027-03-01T20:00");
  await userEvent.type(
    screen.getByLabelText("Promoter XRPL address"),
    "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
  );
  await userEvent.type(screen.getByLabelText("Show purse, fighter A (XRP)"), "5");
  await userEvent.type(screen.getByLabelText("Show purse, fighter B (XRP)"), "4.5");
  await userEvent.type(screen.getByLabelText("Win bonus, fighter A (XRP)"), "0.000001");
  await userEvent.type(screen.getByLabelText("Win bonus, fighter B (XRP)"), "1000");
}

test("purses typed in XRP are shown with drops and sent as integer drops; the time as UTC", async () => {
  const { calls } = renderWithSession(<NewBout />, {
    routes: {
      "GET /fighters": () => json(200, FIGHTERS),
      "POST /bouts": () => json(201, boutView("draft")),
    },
  });
  await fillForm();
  expect(screen.getByText("5 XRP (5,000,000 drops)")).toBeTruthy();
  expect(screen.getByText("0.000001 XRP (1 drop)")).toBeTruthy();
  expect(screen.getByText("Total locked: 1,009.500001 XRP (1,009,500,001 drops)")).toBeTruthy();
  await userEvent.click(screen.getByRole("button", { name: "Create bout" }));

  await waitFor(() => expect(window.location.hash).toBe(`#/bouts/${BOUT_ID}`));
  const sent = calls.find((call) => call.method === "POST" && call.path === "/bouts")
    ?.body as Record<string, unknown>;
  expect(sent).toMatchObject({
    fighter_a_user_id: FIGHTER_A_ID,
    fighter_b_user_id: FIGHTER_B_ID,
    promoter_xrpl_address: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
    show_a_drops: 5_000_000,
    show_b_drops: 4_500_000,
    bonus_a_drops: 1,
    bonus_b_drops: 1_000_000_000,
    title: null,
  });
  expect(sent.event_datetime_utc).toBe(
    new Date("2027-03-01T20:00").toISOString().replace(".000Z", "Z"),
  );
});

test("an amount with too many decimals is explained next to its field; nothing is sent", async () => {
  const { calls } = renderWithSession(<NewBout />, {
    routes: { "GET /fighters": () => json(200, FIGHTERS) },
  });
  await fillForm();
  const field = screen.getByLabelText("Show purse, fighter A (XRP)");
  await userEvent.clear(field);
  await userEvent.type(field, "1.1234567");
  await userEvent.click(screen.getByRole("button", { name: "Create bout" }));
  expect(
    await screen.findByText("XRP has at most six decimal places (1 drop = 0.000001 XRP).", {
      selector: ".field-problem",
    }),
  ).toBeTruthy();
  expect(field.getAttribute("aria-invalid")).toBe("true");
  expect(calls.some((call) => call.path === "/bouts")).toBe(false);
});

test("the service's plan rejection is shown in words", async () => {
  renderWithSession(<NewBout />, {
    routes: {
      "GET /fighters": () => json(200, FIGHTERS),
      "POST /bouts": () =>
        json(422, {
          detail: "FinishAfter must be at least 15 minutes in the future.",
          code: "plan_invalid",
        }),
    },
  });
  await fillForm();
  await userEvent.click(screen.getByRole("button", { name: "Create bout" }));
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("The bout plan is not valid.");
  expect(alert.textContent).toContain("FinishAfter must be at least 15 minutes in the future.");
});
