import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import { json } from "../../test/fakeFetch";
import { BOUT_ID, FIGHTER_A_ID, FIGHTER_B_ID, TOKEN_ISSUER, boutView } from "../../test/fixtures";
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

const ISSUER = TOKEN_ISSUER;
const TOKENS = [
  { label: "USD", currency: "USD", issuer: ISSUER },
  { label: "RLUSD", currency: "524C555344000000000000000000000000000000", issuer: ISSUER },
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
      "GET /tokens": () => json(200, []),
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
    routes: { "GET /fighters": () => json(200, FIGHTERS), "GET /tokens": () => json(200, []) },
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
      "GET /tokens": () => json(200, []),
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

test("with only XRP allowed there is no currency choice", async () => {
  renderWithSession(<NewBout />, {
    routes: { "GET /fighters": () => json(200, FIGHTERS), "GET /tokens": () => json(200, []) },
  });
  await fillForm();
  expect(screen.queryByRole("group", { name: "Currency of the purses" })).toBeNull();
  expect(screen.queryByRole("radio")).toBeNull();
});

async function chooseToken(label: string) {
  const choice = await screen.findByRole("group", { name: "Currency of the purses" });
  await userEvent.click(within(choice).getByRole("radio", { name: `${label} (issued token)` }));
}

async function typeTokenPurses(unit: string, values: [string, string, string, string]) {
  const labels = ["Show purse, fighter A", "Show purse, fighter B", "Win bonus, fighter A"];
  for (const [index, label] of [...labels, "Win bonus, fighter B"].entries()) {
    const field = screen.getByLabelText(`${label} (${unit})`);
    await userEvent.clear(field);
    await userEvent.type(field, values[index]!);
  }
}

test("a token bout: decimal strings in the token's units, the exact total, no *_drops sent", async () => {
  const { calls } = renderWithSession(<NewBout />, {
    routes: {
      "GET /fighters": () => json(200, FIGHTERS),
      "GET /tokens": () => json(200, TOKENS),
      "POST /bouts": () => json(201, boutView("draft")),
    },
  });
  await fillForm();
  await chooseToken("USD");
  // The issuer, linked to the explorer, and when the transfer fee is read.
  const hint = document.querySelector('[data-token-chosen="USD"]') as HTMLElement;
  expect(hint.textContent).toContain(`issued by ${ISSUER}`);
  expect(
    within(hint)
      .getByRole("link", { name: new RegExp(ISSUER) })
      .getAttribute("href"),
  ).toBe(`https://testnet.xrpl.org/accounts/${ISSUER}`);
  expect(hint.textContent).toContain("transfer fee, if it charges one, is read from the ledger");
  await typeTokenPurses("USD", ["1500", "1250.5", "500.25", "0.01"]);
  expect(screen.getByText("1,250.5 USD")).toBeTruthy();
  // 0.1 + 0.2 style sums stay exact: no floating point anywhere.
  expect(screen.getByText("Total locked: 3,250.76 USD")).toBeTruthy();
  await userEvent.click(screen.getByRole("button", { name: "Create bout" }));

  await waitFor(() => expect(window.location.hash).toBe(`#/bouts/${BOUT_ID}`));
  const sent = calls.find((call) => call.method === "POST" && call.path === "/bouts")
    ?.body as Record<string, unknown>;
  expect(sent).toMatchObject({
    token: "USD",
    show_a_amount: "1500",
    show_b_amount: "1250.5",
    bonus_a_amount: "500.25",
    bonus_b_amount: "0.01",
  });
  for (const drops of ["show_a_drops", "show_b_drops", "bonus_a_drops", "bonus_b_drops"]) {
    expect(sent).not.toHaveProperty(drops);
  }
});

test("a 40-digit currency is named by its text", async () => {
  renderWithSession(<NewBout />, {
    routes: { "GET /fighters": () => json(200, FIGHTERS), "GET /tokens": () => json(200, TOKENS) },
  });
  await fillForm();
  await chooseToken("RLUSD");
  expect(screen.getByLabelText("Show purse, fighter A (RLUSD)")).toBeTruthy();
  expect(document.querySelector('[data-token-chosen="RLUSD"]')?.textContent).toContain(
    "currency code 524C555344000000000000000000000000000000",
  );
});

test.each([
  ["1e2", "Write a plain decimal such as 1500 or 2500.75"],
  ["-5", "Write a plain decimal such as 1500 or 2500.75"],
  ["05", "Write a plain decimal such as 1500 or 2500.75"],
  [".5", "Write a plain decimal such as 1500 or 2500.75"],
  ["1,000", "Use a dot for decimals and no thousands separators."],
  ["0.000", "It must be greater than zero."],
  ["1234567890123456", "The ledger keeps at most 15 significant digits; this has 16."],
])("a token amount %s is explained next to its field as it is typed", async (text, why) => {
  const { calls } = renderWithSession(<NewBout />, {
    routes: { "GET /fighters": () => json(200, FIGHTERS), "GET /tokens": () => json(200, TOKENS) },
  });
  await fillForm();
  await chooseToken("USD");
  await typeTokenPurses("USD", ["1500", "1250.5", "500.25", text]);
  const field = screen.getByLabelText("Win bonus, fighter B (USD)");
  const problem = document.getElementById(field.getAttribute("aria-describedby")!.split(" ")[1]!);
  expect(problem?.textContent).toContain(why);
  expect(field.getAttribute("aria-invalid")).toBe("true");
  expect(screen.getByText("Total locked: —")).toBeTruthy();
  await userEvent.click(screen.getByRole("button", { name: "Create bout" }));
  expect(calls.some((call) => call.path === "/bouts")).toBe(false);
});

test("a token bout refused by the service shows its plan_invalid detail", async () => {
  renderWithSession(<NewBout />, {
    routes: {
      "GET /fighters": () => json(200, FIGHTERS),
      "GET /tokens": () => json(200, TOKENS),
      "POST /bouts": () =>
        json(422, {
          detail:
            "The promoter's XRPL address is the token's issuer; an issuer cannot escrow its own token.",
          code: "plan_invalid",
        }),
    },
  });
  await fillForm();
  await chooseToken("USD");
  await typeTokenPurses("USD", ["1", "2", "3", "4"]);
  await userEvent.click(screen.getByRole("button", { name: "Create bout" }));
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("The bout plan is not valid.");
  expect(alert.textContent).toContain("an issuer cannot escrow its own token");
});
