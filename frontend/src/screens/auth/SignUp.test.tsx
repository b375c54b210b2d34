import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import { json } from "../../test/fakeFetch";
import { FIGHTER, renderWithSession } from "../../test/render";
import { SignUp } from "./SignUp";

async function fillAndSubmit() {
  await userEvent.type(screen.getByLabelText("Email"), "f@example.com");
  await userEvent.type(screen.getByLabelText("Password"), "a long password");
  await userEvent.click(screen.getByRole("button", { name: "Create account" }));
}

test("429 on registration: too many sign-ups, with the wait from Retry-After", async () => {
  const { calls } = renderWithSession(<SignUp />, {
    user: null,
    routes: {
      "POST /auth/register": () =>
        json(
          429,
          {
            detail: "Too many registrations from this address; try again later.",
            code: "rate_limited",
          },
          { "Retry-After": "1800" },
        ),
    },
  });
  await fillAndSubmit();
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toBe(
    "Too many sign-ups from your network address recently; try again in 30 minutes. " +
      "No account was created.",
  );
  // Not the failed-login wording, and no sign-in was tried.
  expect(alert.textContent).not.toContain("login");
  expect(calls.map((call) => call.path)).not.toContain("/auth/login");
  expect(window.location.hash).toBe("");
});

test("without a Retry-After the wait is 'later'", async () => {
  renderWithSession(<SignUp />, {
    user: null,
    routes: {
      "POST /auth/register": () =>
        json(429, { detail: "Too many registrations.", code: "rate_limited" }),
    },
  });
  await fillAndSubmit();
  expect((await screen.findByRole("alert")).textContent).toContain("try again later.");
});

test("created, but the sign-in after it throttled: both are said", async () => {
  renderWithSession(<SignUp />, {
    user: null,
    routes: {
      "POST /auth/register": () => json(201, FIGHTER),
      "POST /auth/login": () =>
        json(
          429,
          { detail: "Too many failed logins.", code: "rate_limited" },
          { "Retry-After": "60" },
        ),
    },
  });
  await fillAndSubmit();
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("Your account was created, but signing in did not work.");
  expect(alert.textContent).toContain("Too many failed logins, try again in 60 seconds.");
});

test("a successful sign-up signs in and opens the fighter's profile", async () => {
  const { calls } = renderWithSession(<SignUp />, {
    user: null,
    routes: {
      "POST /auth/register": () => json(201, FIGHTER),
      "POST /auth/login": () =>
        json(200, { access_token: "jwt-1", token_type: "bearer", expires_in: 3600 }),
      "GET /auth/me": () => json(200, FIGHTER),
    },
  });
  await fillAndSubmit();
  await waitFor(() => expect(window.location.hash).toBe("#/profile"));
  expect(calls.find((call) => call.path === "/auth/register")?.body).toEqual({
    email: "f@example.com",
    password: "a long password",
    role: "fighter",
  });
});
