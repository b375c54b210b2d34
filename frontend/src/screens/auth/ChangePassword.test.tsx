import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { UserOut } from "../../api/client";
import { App } from "../../App";
import { loadPhase, savePhase } from "../../lib/preparedStore";
import { json, type Recorded, type Responder } from "../../test/fakeFetch";
import { BOUT_ID } from "../../test/fixtures";
import { ADMIN, FIGHTER, PROMOTER, renderWithSession } from "../../test/render";
import { checkPasswordChange, passwordLength } from "./ChangePassword";

const CURRENT = "the old password 1";
const NEXT = "a brand new password 2";

function ourSessionKeys(): string[] {
  return Object.keys(sessionStorage).filter((key) => key.startsWith("ringledger."));
}

/** Every item of both storages, as one string to search. */
function storedText(): string {
  const items: string[] = [];
  for (const storage of [sessionStorage, localStorage]) {
    for (let index = 0; index < storage.length; index += 1) {
      const key = storage.key(index);
      if (key !== null) items.push(`${key}=${storage.getItem(key) ?? ""}`);
    }
  }
  return items.join("\n");
}

function openPasswordScreen(answer: Responder, user: UserOut = PROMOTER) {
  window.location.hash = "#/account/password";
  return renderWithSession(<App />, { user, routes: { "POST /auth/password": answer } });
}

async function fill(current: string, next: string, repeat = next) {
  await screen.findByRole("heading", { name: "Change password" });
  if (current) await userEvent.type(screen.getByLabelText("Current password"), current);
  if (next) await userEvent.type(screen.getByLabelText("New password"), next);
  if (repeat) await userEvent.type(screen.getByLabelText("Repeat new password"), repeat);
  await userEvent.click(screen.getByRole("button", { name: "Change password" }));
}

function passwordCalls(calls: Recorded[]): Recorded[] {
  return calls.filter((call) => call.path === "/auth/password");
}

const logged: string[] = [];

beforeEach(() => {
  logged.length = 0;
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
  }
});

afterEach(() => {
  // Whatever happened, no password went to the console.
  expect(logged.join("\n")).not.toContain(CURRENT);
  expect(logged.join("\n")).not.toContain(NEXT);
});

describe("the form", () => {
  test("labelled fields with the autocomplete hints password managers need", async () => {
    openPasswordScreen(() => new Response(null, { status: 204 }));
    await screen.findByRole("heading", { name: "Change password" });
    const current = screen.getByLabelText("Current password");
    const next = screen.getByLabelText("New password");
    const repeat = screen.getByLabelText("Repeat new password");
    expect(current.getAttribute("type")).toBe("password");
    expect(current.getAttribute("autocomplete")).toBe("current-password");
    expect(next.getAttribute("type")).toBe("password");
    expect(next.getAttribute("autocomplete")).toBe("new-password");
    expect(repeat.getAttribute("autocomplete")).toBe("new-password");
    expect(screen.getByText("At least 12 characters.").id).toBe(
      next.getAttribute("aria-describedby"),
    );
    // The account the password belongs to, for password managers; not a visible field.
    const username = document.querySelector<HTMLInputElement>('input[autocomplete="username"]');
    expect(username?.value).toBe(PROMOTER.email);
    expect(username?.hidden).toBe(true);
  });

  test.each<[string, UserOut, string]>([
    ["a fighter", FIGHTER, "Fighter"],
    ["a promoter", PROMOTER, "Promoter"],
    ["an admin", ADMIN, "Admin"],
  ])("%s reaches it from the header", async (_, user) => {
    window.location.hash = "#/nowhere";
    renderWithSession(<App />, { user });
    await screen.findByRole("heading", { name: "Page not found" });
    const nav = screen.getByRole("navigation", { name: "Main" });
    const link = within(nav).getByRole("link", { name: "Change password" });
    expect(link.getAttribute("href")).toBe("#/account/password");
    await userEvent.click(link);
    await screen.findByRole("heading", { name: "Change password" });
  });

  test("two different new passwords are caught before anything is sent", async () => {
    const { calls } = openPasswordScreen(() => new Response(null, { status: 204 }));
    await fill(CURRENT, NEXT, `${NEXT}!`);
    const repeat = screen.getByLabelText("Repeat new password");
    expect(screen.getByText("The two new passwords are not the same.").id).toBe(
      repeat.getAttribute("aria-describedby"),
    );
    expect(repeat.getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(repeat));
    expect(passwordCalls(calls)).toEqual([]);

    // Typing in the field takes its problem away.
    await userEvent.type(repeat, "x");
    expect(screen.queryByText("The two new passwords are not the same.")).toBeNull();
  });

  test("a new password under 12 characters is caught before anything is sent", async () => {
    const { calls } = openPasswordScreen(() => new Response(null, { status: 204 }));
    await fill(CURRENT, "short pass");
    expect(screen.getByText("Use at least 12 characters; this one has 10.")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("New password")));
    expect(passwordCalls(calls)).toEqual([]);
  });

  test("characters are counted as the service counts them (an emoji is one)", () => {
    expect(passwordLength("🥊".repeat(11))).toBe(11);
    expect(checkPasswordChange("old", "🥊".repeat(11), "🥊".repeat(11)).next).toBe(
      "Use at least 12 characters; this one has 11.",
    );
    expect(checkPasswordChange("old", "🥊".repeat(12), "🥊".repeat(12))).toEqual({});
    expect(checkPasswordChange("", "", "")).toEqual({
      current: "Enter your current password.",
      next: "Enter a new password.",
    });
    expect(checkPasswordChange("old", NEXT, "").repeat).toBe("Repeat the new password.");
  });
});

describe("what the service answers", () => {
  test("204: signed out here too, the tab's items cleared, the sign-in screen says why", async () => {
    localStorage.setItem("ringledger.promoter_xrpl_address", "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW");
    const { calls } = openPasswordScreen(() => new Response(null, { status: 204 }));
    await screen.findByRole("heading", { name: "Change password" });
    // What a promoter may have in the tab: escrow prepares (storage), payout prepares (memory).
    savePhase(BOUT_ID, "escrows", { prepared: [], signedHashes: { p1: "A".repeat(64) } });
    savePhase(BOUT_ID, "payouts", { prepared: [], signedHashes: { p2: "B".repeat(64) } });
    expect(ourSessionKeys().sort()).toEqual([
      "ringledger.access_token",
      `ringledger.prepared.${BOUT_ID}.escrows`,
    ]);

    await fill(CURRENT, NEXT);
    await screen.findByRole("heading", { name: "Sign in" });
    expect(window.location.hash).toBe("#/sign-in");
    expect(screen.getByRole("status").textContent).toBe(
      "Your password was changed and every session of your account was signed out, this one " +
        "too. Sign in with the new password.",
    );
    expect(screen.queryByRole("button", { name: "Sign out" })).toBeNull();

    const [sent] = passwordCalls(calls);
    expect(sent?.method).toBe("POST");
    expect(sent?.headers.get("Authorization")).toBe("Bearer test-token");
    expect(sent?.body).toEqual({ current_password: CURRENT, new_password: NEXT });

    // The token is dead: it is gone, with every other item of ours in this tab and the memory.
    expect(ourSessionKeys()).toEqual([]);
    expect(loadPhase(BOUT_ID, "payouts")).toEqual({ prepared: [], signedHashes: {} });
    // The promoter's public address stays, as on any sign-out; no password is kept anywhere.
    expect(localStorage.getItem("ringledger.promoter_xrpl_address")).toBeTruthy();
    expect(storedText()).not.toContain(CURRENT);
    expect(storedText()).not.toContain(NEXT);
    // Nothing else was asked with the revoked token.
    expect(calls.at(-1)?.path).toBe("/auth/password");
  });

  test("401 credentials_invalid: the current password is wrong, the session goes on", async () => {
    const { calls } = openPasswordScreen(() =>
      json(401, { detail: "The email or password is not correct.", code: "credentials_invalid" }),
    );
    await fill(CURRENT, NEXT);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The current password is not correct.");
    expect(alert.textContent).toContain("You are still signed in; nothing changed.");
    expect(alert.textContent).not.toContain("email");

    // Still signed in, on the same screen, with the token kept: not a session end.
    expect(screen.getByRole("heading", { name: "Change password" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeTruthy();
    expect(screen.queryByText("Your session has ended. Please sign in again.")).toBeNull();
    expect(sessionStorage.getItem("ringledger.access_token")).toBe("test-token");
    expect(window.location.hash).toBe("#/account/password");

    // The current password field is emptied, marked and focused; the new ones are kept.
    const current = screen.getByLabelText("Current password") as HTMLInputElement;
    expect(current.value).toBe("");
    expect(current.getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(current));
    expect((screen.getByLabelText("New password") as HTMLInputElement).value).toBe(NEXT);
    expect(passwordCalls(calls)).toHaveLength(1);
  });

  test("401 token_invalid (revoked elsewhere) is a session end, unlike a wrong password", async () => {
    openPasswordScreen(() =>
      json(401, { detail: "The access token is not valid.", code: "token_invalid" }),
    );
    await fill(CURRENT, NEXT);
    await screen.findByRole("heading", { name: "Sign in" });
    expect(screen.getByText("Your session has ended. Please sign in again.")).toBeTruthy();
    expect(ourSessionKeys()).toEqual([]);
  });

  test("422: the service's problem is shown at the new password", async () => {
    openPasswordScreen(() =>
      json(422, {
        detail: "The request is not valid.",
        code: "validation_error",
        errors: [
          {
            field: "new_password",
            message: "String should have at least 12 characters",
            type: "string_too_short",
          },
        ],
      }),
    );
    await fill(CURRENT, NEXT);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Some fields are not valid.");
    expect(alert.textContent).toContain("New password: String should have at least 12 characters");
    const next = screen.getByLabelText("New password");
    expect(next.getAttribute("aria-invalid")).toBe("true");
    const described = next.getAttribute("aria-describedby") ?? "";
    expect(described.split(" ").map((id) => document.getElementById(id)?.textContent)).toContain(
      "String should have at least 12 characters",
    );
    expect(screen.getByRole("button", { name: "Sign out" })).toBeTruthy();
  });

  test("429: how long to wait comes from Retry-After", async () => {
    openPasswordScreen(() =>
      json(
        429,
        { detail: "Too many failed logins; try again later.", code: "rate_limited" },
        { "Retry-After": "840" },
      ),
    );
    await fill(CURRENT, NEXT);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(
      "Too many wrong passwords for this account recently; try again in 14 minutes. Nothing changed.",
    );
    expect(screen.getByRole("button", { name: "Sign out" })).toBeTruthy();
    expect(sessionStorage.getItem("ringledger.access_token")).toBe("test-token");
  });
});
