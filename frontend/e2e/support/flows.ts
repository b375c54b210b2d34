/** Steps people take in the console, written against what they see (labels, roles, text). */

import type { Locator, Page } from "playwright-core";

export const PASSWORD = "correct horse battery staple";

export async function open(page: Page, baseUrl: string, hashPath: string): Promise<void> {
  await page.goto(`${baseUrl}#${hashPath}`);
}

export async function signUp(
  page: Page,
  baseUrl: string,
  account: { email: string; role: "fighter" | "promoter" },
): Promise<void> {
  await open(page, baseUrl, "/sign-up");
  await page.getByRole("heading", { name: "Create an account" }).waitFor();
  await page
    .getByRole("radio", { name: account.role === "fighter" ? /^Fighter/ : /^Promoter/ })
    .check();
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export async function signIn(
  page: Page,
  baseUrl: string,
  email: string,
  password = PASSWORD,
): Promise<void> {
  await open(page, baseUrl, "/sign-in");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

export function card(page: Page, kind: string): Locator {
  return page.locator(`article[data-escrow-kind="${kind}"]`);
}

export async function waitForEscrowStatus(page: Page, kind: string, status: string): Promise<void> {
  await page
    .locator(`article[data-escrow-kind="${kind}"][data-escrow-status="${status}"]`)
    .waitFor();
}

export async function waitForBoutStatus(page: Page, label: string): Promise<void> {
  await page.locator(".progress li.current", { hasText: label }).waitFor();
}

/** Stub wallet: report a sign request as signed and wait until the card says so. */
export async function reportSigned(page: Page, kind: string): Promise<void> {
  const escrow = card(page, kind);
  await escrow.getByRole("button", { name: "Report signed" }).click();
  await escrow.locator('.signing-status[data-signing-status="signed"]').waitFor();
}

/** A datetime-local value `minutesFromNow` away, in the browser's own time zone. */
export function localInputAt(page: Page, minutesFromNow: number): Promise<string> {
  return page.evaluate((minutes) => {
    const at = new Date(Date.now() + minutes * 60_000);
    const two = (value: number) => String(value).padStart(2, "0");
    return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}`;
  }, minutesFromNow);
}
