import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import { json } from "../../test/fakeFetch";
import { PROMOTER, renderWithSession } from "../../test/render";
import { SignIn } from "./SignIn";

async function fillAndSubmit() {
  await userEvent.type(screen.getByLabelText("Email"), "p@example.com");
  await userEvent.type(screen.getByLabelText("Password"), "a long password");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

test("too many failed logins: the wait comes from Retry-After", async () => {
  renderWithSession(<SignIn />, {
    user: null,
    routes: {
      "POST /auth/login": () =>
        json(
          429,
          { detail: "Too many failed logins for this account.", code: "rate_limited" },
          { "Retry-After": "30" },
        ),
    },
  });
  await fillAndSubmit();
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("Too many failed logins, try again in 30 seconds.");
});

test("a successful sign-in keeps the token for this tab and opens the bouts", async () => {
  const { calls } = renderWithSession(<SignIn />, {
    user: null,
    routes: {
      "POST /auth/login": () =>
        json(200, { access_token: "jwt-9", token_type: "bearer", expires_in: 3600 }),
      "GET /auth/me": () => json(200, PROMOTER),
    },
  });
  await fillAndSubmit();
  await waitFor(() => expect(window.location.hash).toBe("#/bouts"));
  expect(sessionStorage.getItem("ringledger.access_token")).toBe("jwt-9");
  const login = calls.find((call) => call.path === "/auth/login");
  expect(login?.body).toEqual({ email: "p@example.com", password: "a long password" });
});

test("the form can be used with the keyboard alone", async () => {
  renderWithSession(<SignIn />, {
    user: null,
    routes: {
      "POST /auth/login": () => json(401, { detail: "Invalid.", code: "credentials_invalid" }),
    },
  });
  await userEvent.tab();
  expect(document.activeElement).toBe(screen.getByLabelText("Email"));
  await userEvent.keyboard("p@example.com");
  await userEvent.tab();
  expect(document.activeElement).toBe(screen.getByLabelText("Password"));
  await userEvent.keyboard("wrong password!{Enter}");
  expect((await screen.findByRole("alert")).textContent).toContain(
    "The email or password is not right.",
  );
});
