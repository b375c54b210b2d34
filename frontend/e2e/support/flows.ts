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

export interface BoutPlan {
  title: string;
  /** The options' labels: "<display name> — <email>". */
  fighterA: string;
  fighterB: string;
  promoterAddress: string;
  /** Event start relative to now (negative: already started, so a result can be entered). */
  eventInMinutes: number;
  /** Show A, show B, bonus A, bonus B, as typed (in XRP, or in the token's units). */
  purses?: [string, string, string, string];
  /** A token's label from the currency choice; XRP when left out. */
  token?: string;
}

/** Fill the New bout form (already open) with a plan. */
export async function fillNewBout(page: Page, plan: BoutPlan): Promise<void> {
  const [showA, showB, bonusA, bonusB] = plan.purses ?? ["5", "4.5", "2.25", "1.000001"];
  await page.getByLabel("Title (optional)").fill(plan.title);
  await page.getByLabel("Fighter A", { exact: true }).selectOption({ label: plan.fighterA });
  await page.getByLabel("Fighter B", { exact: true }).selectOption({ label: plan.fighterB });
  await page
    .getByLabel("Event start (your local time)")
    .fill(await localInputAt(page, plan.eventInMinutes));
  await page.getByLabel("Promoter XRPL address").fill(plan.promoterAddress);
  if (plan.token) {
    await page
      .getByRole("group", { name: "Currency of the purses" })
      .getByRole("radio", { name: `${plan.token} (issued token)` })
      .check();
  }
  const unit = plan.token ?? "XRP";
  await page.getByLabel(`Show purse, fighter A (${unit})`).fill(showA);
  await page.getByLabel(`Show purse, fighter B (${unit})`).fill(showB);
  await page.getByLabel(`Win bonus, fighter A (${unit})`).fill(bonusA);
  await page.getByLabel(`Win bonus, fighter B (${unit})`).fill(bonusB);
}

/** Create a bout through the New bout screen; resolves with the new bout's address. */
export async function createBout(page: Page, baseUrl: string, plan: BoutPlan): Promise<string> {
  await open(page, baseUrl, "/bouts/new");
  await page.getByRole("heading", { name: "New bout" }).waitFor();
  await fillNewBout(page, plan);
  await page.getByRole("button", { name: "Create bout" }).click();
  await page.getByRole("heading", { name: plan.title }).waitFor();
  await waitForBoutStatus(page, "Draft");
  return page.url();
}

const ESCROW_KINDS = ["show_a", "show_b", "bonus_a", "bonus_b"] as const;

/** Prepare the four EscrowCreates and show their QR codes. */
export async function prepareEscrows(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Prepare escrows" }).click();
  await page.getByText("4 sign requests ready.").waitFor();
}

/** Stub wallet signs one EscrowCreate; the stub ledger's evidence (pre-filled) confirms it. */
export async function confirmEscrowCreated(page: Page, kind: string): Promise<void> {
  await reportSigned(page, kind);
  await card(page, kind).getByRole("button", { name: "Confirm escrow created" }).click();
  await waitForEscrowStatus(page, kind, "created");
}

/** Prepare, sign and confirm all four escrows: the bout reaches "Escrows created". */
export async function fundBout(page: Page): Promise<void> {
  await prepareEscrows(page);
  for (const kind of ESCROW_KINDS) await confirmEscrowCreated(page, kind);
  await waitForBoutStatus(page, "Escrows created");
}

/**
 * Sign a prepared payout and confirm it with the stub ledger's evidence, whose close time is
 * just after the bound the action waits for (FinishAfter, or CancelAfter for a refund).
 */
export async function confirmPayout(
  page: Page,
  kind: string,
  action: "finish" | "cancel",
): Promise<void> {
  await reportSigned(page, kind);
  await card(page, kind)
    .getByRole("button", { name: action === "cancel" ? "Confirm refund" : "Confirm payout" })
    .click();
  await waitForEscrowStatus(page, kind, action === "cancel" ? "cancelled" : "finished");
}
