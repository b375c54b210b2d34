/**
 * The whole bout lifecycle in a real Chromium against a real backend (embedded database, stub
 * Xaman, stub ledger): two fighters, a promoter and an admin, including a declined signing and
 * a confirm the ledger rejects; then a draw through both show payouts and both bonus refunds,
 * a draft withdrawn (and one whose withdrawal is refused), and a password change that ends
 * every session of the account. Then the ledger's side, on a second backend in XRPL_MODE=rpc
 * against the local XRPL node stand-in: a fighter claims their show purse after a real countdown
 * to FinishAfter, and a bonus finished on the ledger before any result shows up as an anomaly.
 * Bouts in an issued token: one settled in USD through the stub confirm forms from creation to
 * close, and on the rpc backend a fighter whose account cannot receive the token adds the trust
 * line with the sign request the console shows.
 * Every page runs under the service's Content-Security-Policy; a violation fails the test it
 * happened in. Screenshots of each main screen go to test-output/screenshots.
 */

import { mkdirSync, readFileSync, rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import type { BoutView, ClaimOut } from "../src/api/client";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems } from "./support/accessibility";
import { startBackend, type Backend } from "./support/backend";
import { launchChromium, newActor, screenshot, type Actor } from "./support/browser";
import { openConsole, type ConsoleSite } from "./support/console";
import { CONSOLE_CSP, pendingCspViolations, takeCspViolations } from "./support/csp";
import {
  PASSWORD,
  card,
  confirmEscrowCreated,
  confirmPayout,
  createBout,
  fillNewBout,
  fundBout,
  open,
  prepareEscrows,
  reportSigned,
  signIn,
  signOut,
  signUp,
  waitForBoutStatus,
  waitForEscrowStatus,
  type BoutPlan,
} from "./support/flows";
import { screenshotDir } from "./support/paths";
import {
  accountOf,
  fighterOf,
  fundedBout,
  isoSeconds,
  startRpcService,
  type Promoter,
  type RpcService,
} from "./support/rpcService";
import { storedItems } from "./support/storage";

const ADMIN = { email: "admin@example.com", password: "admin password 12345" };
const FIGHTER_A = {
  email: "alpha@example.com",
  name: "Alex Alpha",
  address: "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV",
};
const FIGHTER_B = {
  email: "bravo@example.com",
  name: "Blake Bravo",
  address: "rKmh2FJyxgkajTtSx3EgCYkWYsmmuk561G",
};
const PROMOTER = { email: "promoter@example.com", address: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW" };
const KINDS = ["show_a", "show_b", "bonus_a", "bonus_b"] as const;
const TITLE = "Harbour Arena Main Event";
const DRAW_TITLE = "Riverside Draw Night";
const WITHDRAWN_TITLE = "Lakeside Exhibition";
const REFUSED_TITLE = "Quayside Undercard";
const LEDGER_PROMOTER = { email: "ledger-promoter@example.com", wallet: "promoter" };
const LEDGER_FIGHTER_A = { email: "ledger-alpha@example.com", name: "Ada Ledger", wallet: "a" };
const LEDGER_FIGHTER_B = { email: "ledger-bravo@example.com", name: "Bea Ledger", wallet: "b" };
const CLAIM_TITLE = "Dockside Show Night";
const ANOMALY_TITLE = "Pierhead Title Fight";
const TOKEN_TITLE = "Marina Dollar Night";
const TRUST_TITLE = "Boardwalk Dollar Bout";
/** The stub backend allows one token (RINGLEDGER_TOKENS); its issuer is a public test address. */
const USD = { label: "USD", currency: "USD", issuer: "r3v6WvpDdgp8kv1qA2NRp7MdcynBM1jryX" };
/** Show A, show B, bonus A, bonus B of the token bouts, in USD. */
const USD_PURSES: [string, string, string, string] = ["1500", "1250.5", "500.25", "0.01"];

/**
 * A bout of the two fighters. Started 30 minutes ago by default: the admin may enter the result,
 * and FinishAfter (event + 2 h) still leaves the service's signing window for the escrows.
 */
function plan(title: string, eventInMinutes = -30): BoutPlan {
  return {
    title,
    fighterA: `${FIGHTER_A.name} — ${FIGHTER_A.email}`,
    fighterB: `${FIGHTER_B.name} — ${FIGHTER_B.email}`,
    promoterAddress: PROMOTER.address,
    eventInMinutes,
  };
}

let backend: Backend;
let site: ConsoleSite;
let rpc: RpcService;
let rpcSite: ConsoleSite;
let browser: Browser;
let promoter: Actor;
let boutUrl = "";
const pageErrors: string[] = [];
const a11y: Record<string, string[]> = {};

function watch(actor: Actor): Actor {
  actor.page.on("pageerror", (error) => pageErrors.push(error.message));
  return actor;
}

beforeAll(async () => {
  rmSync(screenshotDir, { recursive: true, force: true });
  mkdirSync(screenshotDir, { recursive: true });
  // The two backends start side by side; either failing fails the run, once both are settled
  // (so that afterAll stops whichever did start).
  const [main, ledger] = await Promise.allSettled([
    startBackend({ settings: { RINGLEDGER_TOKENS: JSON.stringify([USD]) } }),
    startRpcService(),
  ]);
  if (main.status === "fulfilled") backend = main.value;
  if (ledger.status === "fulfilled") rpc = ledger.value;
  for (const started of [main, ledger]) if (started.status === "rejected") throw started.reason;
  await backend.createAdmin(ADMIN.email, ADMIN.password);
  site = await openConsole(backend.baseUrl);
  rpcSite = await openConsole(rpc.backend.baseUrl);
  browser = await launchChromium();
});

// The console must work under the service's Content-Security-Policy: any violation fails the test.
afterEach(() => {
  expect(takeCspViolations()).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await rpcSite?.close();
  await backend?.stop();
  await rpc?.stop();
});

/** The rpc backend's accounts and bouts, from the countdown at the start to the claim at the end. */
const onLedger: {
  promoter?: Promoter;
  fighters?: { A: string; B: string };
  claimBout?: BoutView;
  fighter?: Actor;
} = {};

/**
 * The ledger's side, part 1. A fighter's claim waits for FinishAfter in real time, so its bout is
 * funded first and the fighter watches the countdown here; they come back for the claim at the
 * end of the run, once FinishAfter has passed, and the wait costs the run nothing.
 */
describe("the ledger has the last word (XRPL_MODE=rpc): a claim's countdown", () => {
  test("a fighter's own show purse counts down to FinishAfter", async () => {
    const base = rpc.backend.baseUrl;
    const api = await accountOf(base, LEDGER_PROMOTER.email, "promoter");
    const promoter = { api, wallet: LEDGER_PROMOTER.wallet };
    onLedger.promoter = { ...promoter, address: await rpc.node.wallet(promoter.wallet) };
    onLedger.fighters = {
      A: await fighterOf(rpc, LEDGER_FIGHTER_A),
      B: await fighterOf(rpc, LEDGER_FIGHTER_B),
    };
    // FinishAfter (event + 2 h) 40 s from now: past the service's 5-second signing window, and
    // after the ledgers of the four creates, which the node closes 10 s apart.
    const event = new Date(Date.now() - 2 * 3_600_000 + 40_000);
    onLedger.claimBout = await fundedBout(rpc, onLedger.promoter, {
      title: CLAIM_TITLE,
      fighter_a_user_id: onLedger.fighters.A,
      fighter_b_user_id: onLedger.fighters.B,
      event_datetime_utc: isoSeconds(event),
    });
    expect(onLedger.claimBout.status).toBe("escrows_created");

    onLedger.fighter = watch(await newActor(browser));
    const { page } = onLedger.fighter;
    await signIn(page, rpcSite.url, LEDGER_FIGHTER_A.email);
    await open(page, rpcSite.url, `/bouts/${onLedger.claimBout.bout_id}`);
    await page.getByRole("heading", { name: CLAIM_TITLE }).waitFor();
    const claim = card(page, "show_a").getByRole("region", { name: "Claim your show purse" });
    const timer = claim.getByRole("timer");
    const first = await timer.innerText();
    expect(first).toMatch(/^You can claim it in \d+ s, once FinishAfter has passed \(.+\)\.$/);
    // It ticks.
    await expect.poll(() => timer.innerText(), { timeout: 5_000 }).not.toBe(first);
    expect(await claim.getByRole("button").count()).toBe(0);
    // Only the fighter's own show escrow: not the other fighter's, not a bonus.
    expect(await page.getByRole("region", { name: "Claim your show purse" }).count()).toBe(1);
    await screenshot(page, "33-fighter-claim-countdown");
    a11y["fighter claim countdown"] = await accessibilityProblems(page);
  });
});

describe("RingLedger console, whole lifecycle", () => {
  test("the console is served and a wrong password is explained in words", async () => {
    const visitor = watch(await newActor(browser));
    const served = await visitor.page.goto(site.url);
    expect(served?.headers()["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(served?.headers()["x-frame-options"]).toBe("DENY");
    // The build ships no source map: one would hand anybody the console's source.
    const bundle = await visitor.page.$eval(
      'script[type="module"]',
      (script) => (script as HTMLScriptElement).src,
    );
    expect(await (await visitor.page.request.get(bundle)).text()).not.toContain("sourceMappingURL");
    expect((await visitor.page.request.get(`${bundle}.map`)).status()).toBe(404);
    await visitor.page.getByRole("heading", { name: "Sign in" }).waitFor();
    await screenshot(visitor.page, "01-sign-in");
    a11y["sign in"] = await accessibilityProblems(visitor.page);
    await visitor.page.getByLabel("Email").fill(ADMIN.email);
    await visitor.page.getByLabel("Password").fill("not the password at all");
    await visitor.page.getByRole("button", { name: "Sign in", exact: true }).click();
    const alert = visitor.page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.innerText()).toContain("The email or password is not right.");
    await screenshot(visitor.page, "02-sign-in-error");

    // The watcher itself works: an inline script is refused by the policy, and reported.
    const ran = await visitor.page.evaluate(async () => {
      const script = document.createElement("script");
      script.textContent = "window.inlineScriptRan = true;";
      document.head.append(script);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return "inlineScriptRan" in window;
    });
    expect(ran).toBe(false);
    await expect.poll(pendingCspViolations).toBeGreaterThan(0);
    expect(takeCspViolations().join("\n")).toContain("script-src");
    await visitor.context.close();
  });

  test("two fighters sign up and save their XRPL addresses", async () => {
    for (const [index, fighter] of [FIGHTER_A, FIGHTER_B].entries()) {
      const actor = watch(await newActor(browser));
      await signUp(actor.page, site.url, { email: fighter.email, role: "fighter" });
      if (index === 0) await screenshot(actor.page, "03-sign-up-done-fighter-profile-empty");
      await actor.page.getByRole("heading", { name: "Fighter profile" }).waitFor();
      await actor.page.getByLabel("Display name").fill(fighter.name);
      await actor.page.getByLabel("XRPL address").fill(fighter.address);
      await actor.page.getByRole("button", { name: "Save profile" }).click();
      await actor.page.getByText("Profile saved.").waitFor();
      if (index === 0) await screenshot(actor.page, "04-fighter-profile-saved");
      await actor.context.close();
    }
  });

  test("the promoter creates a bout from the two fighters and four purses in XRP", async () => {
    promoter = watch(await newActor(browser));
    const { page } = promoter;
    await open(page, site.url, "/sign-up");
    await page.getByRole("heading", { name: "Create an account" }).waitFor();
    await screenshot(page, "05-sign-up");
    await signUp(page, site.url, { email: PROMOTER.email, role: "promoter" });
    await page.getByRole("heading", { name: "Bouts" }).waitFor();
    await page.getByText("No bouts yet").waitFor();

    await page.getByRole("link", { name: "New bout" }).first().click();
    await page.getByRole("heading", { name: "New bout" }).waitFor();
    await fillNewBout(page, plan(TITLE));
    await page.getByText("5 XRP (5,000,000 drops)").waitFor();
    await page.getByText("Total locked: 12.750001 XRP (12,750,001 drops)").waitFor();
    await screenshot(page, "06-new-bout");
    a11y["new bout"] = await accessibilityProblems(page);
    await page.getByRole("button", { name: "Create bout" }).click();

    await page.getByRole("heading", { name: TITLE }).waitFor();
    boutUrl = page.url();
    expect(boutUrl).toMatch(/#\/bouts\/[0-9a-f-]{36}$/);
    await waitForBoutStatus(page, "Draft");
    for (const kind of KINDS) await waitForEscrowStatus(page, kind, "planned");
    expect(await card(page, "show_b").innerText()).toContain("4.5 XRP (4,500,000 drops)");
    expect(await card(page, "bonus_a").innerText()).toContain("CancelAfter");
    await screenshot(page, "07-bout-draft");
  });

  test("prepare shows four QR codes; a declined signing shows its guidance; prepare again", async () => {
    const { page } = promoter;
    await page.getByRole("button", { name: "Prepare escrows" }).click();
    await page.getByText("4 sign requests ready.").waitFor();
    for (const kind of KINDS) {
      const qr = card(page, kind).getByRole("img", { name: /QR code of the Xaman sign request/ });
      await qr.waitFor();
      // Drawn as a data: image (allowed by img-src), and actually decoded by the browser.
      expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
      expect(await qr.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
      expect(
        await card(page, kind).getByRole("link", { name: "Open in Xaman" }).getAttribute("href"),
      ).toBeTruthy();
    }
    await screenshot(page, "08-escrows-prepared");

    const showA = card(page, "show_a");
    await showA.getByRole("button", { name: "Report declined" }).click();
    await showA.locator('[data-failure-code="signing_declined"]').waitFor();
    expect(await showA.innerText()).toContain(
      "The promoter declined in Xaman. Prepare again to send a new sign request.",
    );
    await screenshot(page, "09-signing-declined");

    const declinedPayload = await showA.locator(".signing-info .mono").innerText();
    await page.getByRole("button", { name: "Prepare again" }).click();
    await page.getByText("sign requests ready.").waitFor();
    await showA.locator('.signing-status[data-signing-status="open"]').waitFor();
    expect(await showA.locator(".signing-info .mono").innerText()).not.toBe(declinedPayload);
  });

  test("a confirm the ledger rejects is explained in words; then all four escrows are created", async () => {
    const { page } = promoter;
    for (const kind of KINDS) await reportSigned(page, kind);
    // The page keeps what the prepare returned across a reload.
    await page.reload();
    await card(page, "show_a")
      .getByRole("img", { name: /QR code/ })
      .waitFor();

    const showA = card(page, "show_a");
    await showA.getByLabel("Engine result").fill("tecUNFUNDED_PAYMENT");
    await showA.getByRole("button", { name: "Confirm escrow created" }).click();
    const rejection = showA.getByRole("alert");
    await rejection.waitFor();
    const said = await rejection.innerText();
    expect(said).toContain("The ledger rejected the transaction.");
    expect(said).toContain("Do not retry automatically; investigate the result code.");
    expect(said).not.toContain("{");
    await showA.locator('[data-failure-code="ledger_tec_tem"]').waitFor();
    await screenshot(page, "10-confirm-rejected");
    a11y["bout with a rejected confirm"] = await accessibilityProblems(page);

    await showA.getByLabel("Engine result").fill("tesSUCCESS");
    await showA.getByRole("button", { name: "Confirm escrow created" }).click();
    await waitForEscrowStatus(page, "show_a", "created");
    expect(await card(page, "show_a").locator("[data-failure-code]").count()).toBe(0);
    for (const kind of KINDS.slice(1)) {
      await card(page, kind).getByRole("button", { name: "Confirm escrow created" }).click();
      await waitForEscrowStatus(page, kind, "created");
    }
    await waitForBoutStatus(page, "Escrows created");
    // Each create transaction links to the public explorer of the configured network (TESTNET).
    const createTx = card(page, "bonus_b").locator('[data-tx="create"] a');
    const hash = await createTx.innerText();
    expect(hash).toMatch(/^[0-9A-F]{64}$/);
    expect(await createTx.getAttribute("href")).toBe(
      `https://testnet.xrpl.org/transactions/${hash}`,
    );
    expect(await createTx.getAttribute("target")).toBe("_blank");
    expect(await createTx.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await createTx.getAttribute("aria-label")).toContain(
      "opens in the XRPL Testnet explorer",
    );
    await screenshot(page, "11-escrows-created");
  });

  test("a fighter sees the bout they fight in, read-only", async () => {
    const fighter = watch(await newActor(browser));
    await signIn(fighter.page, site.url, FIGHTER_A.email);
    await open(fighter.page, site.url, "/bouts");
    await fighter.page.getByRole("link", { name: new RegExp(TITLE) }).click();
    await fighter.page.getByRole("heading", { name: TITLE }).waitFor();
    await waitForEscrowStatus(fighter.page, "show_a", "created");
    expect(await fighter.page.getByRole("button", { name: /Prepare/ }).count()).toBe(0);
    expect(await fighter.page.getByRole("heading", { name: "Audit timeline" }).count()).toBe(0);
    await screenshot(fighter.page, "12-fighter-bout-view");
    await fighter.context.close();
  });

  test("the admin enters the winner, reads the audit timeline and downloads the evidence", async () => {
    const admin = watch(await newActor(browser));
    const { page } = admin;
    await signIn(page, site.url, ADMIN.email, ADMIN.password);
    await page.getByRole("heading", { name: "Bouts" }).waitFor();
    await page.getByLabel("Status").selectOption("escrows_created");
    await page.getByRole("link", { name: new RegExp(TITLE) }).waitFor();
    await screenshot(page, "13-admin-bouts-list");
    await page.getByRole("link", { name: new RegExp(TITLE) }).click();
    await page.getByRole("heading", { name: "Enter the result" }).waitFor();
    await page.getByRole("radio", { name: `Fighter A wins: ${FIGHTER_A.name}` }).check();
    await page.getByRole("button", { name: "Enter result" }).click();
    await page.getByText("This cannot be changed.").waitFor();
    await screenshot(page, "14-admin-result-entry");
    await page.getByRole("button", { name: "Yes, record the result" }).click();
    await waitForBoutStatus(page, "Result entered");
    await page.getByText(`Result entered: Fighter A (${FIGHTER_A.name}) won.`).waitFor();
    await page.locator('dd[data-outcome="win_a"]', { hasText: "won" }).waitFor();

    await page.getByRole("heading", { name: "Audit timeline" }).waitFor();
    await page.locator('.timeline li[data-outcome="rejected"]').first().waitFor();
    expect(await page.locator(".timeline li").count()).toBeGreaterThan(8);
    await screenshot(page, "15-admin-audit-timeline");
    a11y["admin bout page"] = await accessibilityProblems(page);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download evidence (JSON)" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^ringledger-bout-[0-9a-f-]{36}-evidence\.json$/);
    const document = JSON.parse(readFileSync(await download.path(), "utf8")) as Record<
      string,
      unknown
    >;
    expect(document).toHaveProperty("audit");
    await admin.context.close();
  });

  test("payouts: finish three escrows, the bout closes with the refund pending", async () => {
    const { page } = promoter;
    await page.goto(boutUrl);
    await page.reload();
    await waitForBoutStatus(page, "Result entered");
    await page.getByRole("button", { name: "Prepare payouts" }).click();
    await page.getByText("4 sign requests ready.").waitFor();
    expect(await card(page, "bonus_b").innerText()).toContain(
      "EscrowCancel: refund to the promoter",
    );
    expect(await card(page, "bonus_a").innerText()).toContain("EscrowFinish: pay the fighter");
    // The winner's bonus finish carries the Fulfillment: on the page, never in the tab's storage.
    const fulfillment = await card(page, "bonus_a")
      .getByLabel("Fulfillment (hex, empty for none)")
      .inputValue();
    expect(fulfillment).toMatch(/^A0228020[0-9A-F]{64}$/i);
    const stored = await storedItems(page);
    expect(Object.keys(stored)).toContain("ringledger.access_token");
    expect(JSON.stringify(stored)).not.toContain("Fulfillment");
    expect(JSON.stringify(stored)).not.toContain(fulfillment);
    await screenshot(page, "16-payouts-prepared");

    for (const kind of ["show_a", "show_b", "bonus_a"]) {
      await reportSigned(page, kind);
      await card(page, kind).getByRole("button", { name: "Confirm payout" }).click();
      await waitForEscrowStatus(page, kind, "finished");
    }
    await waitForBoutStatus(page, "Closed");
    await page.locator('[data-refund-pending="true"]').waitFor();
    await screenshot(page, "17-closed-refund-pending");
  });

  test("the loser's bonus cancel clears the pending refund", async () => {
    const { page } = promoter;
    await reportSigned(page, "bonus_b");
    await card(page, "bonus_b").getByRole("button", { name: "Confirm refund" }).click();
    await waitForEscrowStatus(page, "bonus_b", "cancelled");
    await page.locator('[data-refund-pending="false"]').waitFor();
    await screenshot(page, "18-closed-refunded");
    await page.getByRole("heading", { name: "Audit timeline" }).waitFor();
  });

  test("signing out leaves nothing of the console's in the tab's storage", async () => {
    const { page } = promoter;
    expect(Object.keys(await storedItems(page)).length).toBeGreaterThan(0);
    await signOut(page);
    const left = Object.keys(await storedItems(page)).filter((key) =>
      key.startsWith("ringledger."),
    );
    expect(left).toEqual([]);
    await promoter.context.close();
  });

  test("a phone-width screen shows the closed bout and the bouts list", async () => {
    const phone = watch(await newActor(browser, { phone: true }));
    await signIn(phone.page, site.url, PROMOTER.email);
    await phone.page.getByRole("heading", { name: "Bouts" }).waitFor();
    await phone.page.getByRole("link", { name: new RegExp(TITLE) }).waitFor();
    await screenshot(phone.page, "19-phone-bouts-list");
    await phone.page.goto(boutUrl);
    await phone.page.getByRole("heading", { name: TITLE }).waitFor();
    await phone.page.locator('[data-refund-pending="false"]').waitFor();
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone.page, "20-phone-bout-closed");
    a11y["phone bout page"] = await accessibilityProblems(phone.page);
    await signOut(phone.page);
    await phone.context.close();
  });
});

describe("a draw: both shows paid, both bonuses back to the promoter", () => {
  let promoterPage: Actor;
  let drawUrl = "";

  test("the promoter creates and funds a second bout", async () => {
    promoterPage = watch(await newActor(browser));
    const { page } = promoterPage;
    await signIn(page, site.url, PROMOTER.email);
    drawUrl = await createBout(page, site.url, plan(DRAW_TITLE));
    await fundBout(page);
  });

  test("the admin records a draw after the confirmation step", async () => {
    const admin = watch(await newActor(browser));
    const { page } = admin;
    await signIn(page, site.url, ADMIN.email, ADMIN.password);
    await page.goto(drawUrl);
    const form = page.getByRole("region", { name: "Enter the result" });
    await form.getByRole("radio", { name: "Draw", exact: true }).check();
    await form.getByRole("button", { name: "Enter result" }).click();
    const confirmation = form.locator('[data-confirm-outcome="draw"]');
    await confirmation.waitFor();
    const asked = await confirmation.innerText();
    expect(asked).toContain(
      "Both show purses go to the fighters; both bonuses return to the promoter.",
    );
    expect(asked).toContain("This cannot be changed.");
    await screenshot(page, "21-draw-result-confirmation");
    a11y["result entry confirmation"] = await accessibilityProblems(page);

    await form.getByRole("button", { name: "Yes, record the result" }).click();
    await page.getByText("Result entered: Draw.").waitFor();
    await waitForBoutStatus(page, "Result entered");
    expect(await page.locator('dd[data-outcome="draw"]').innerText()).toBe("Draw");
    const settlement = page.locator('.notice[data-outcome="draw"]');
    expect(await settlement.innerText()).toContain("both bonuses return to the promoter");
    expect(await settlement.getAttribute("data-refund-pending")).toBe("true");
    expect(await page.getByRole("region", { name: "Enter the result" }).count()).toBe(0);
    await screenshot(page, "22-draw-result-entered");
    await admin.context.close();
  });

  test("payouts: two show finishes and two bonus cancels, no fulfillment anywhere", async () => {
    const { page } = promoterPage;
    await page.reload();
    await waitForBoutStatus(page, "Result entered");
    expect(await page.locator(".phase-actions").innerText()).toContain(
      "finish both show escrows to the fighters; cancel both bonuses back to you after CancelAfter",
    );
    await page.getByRole("button", { name: "Prepare payouts" }).click();
    await page.getByText("4 sign requests ready.").waitFor();
    for (const kind of ["show_a", "show_b"]) {
      expect(await card(page, kind).innerText()).toContain("EscrowFinish: pay the fighter");
    }
    for (const kind of ["bonus_a", "bonus_b"]) {
      expect(await card(page, kind).innerText()).toContain("EscrowCancel: refund to the promoter");
      expect(
        await card(page, kind).getByLabel("Fulfillment (hex, empty for none)").inputValue(),
      ).toBe("");
    }
    expect(JSON.stringify(await storedItems(page))).not.toContain("Fulfillment");
    await screenshot(page, "23-draw-payouts-prepared");
  });

  test("both shows paid: the bout closes with both refunds pending", async () => {
    const { page } = promoterPage;
    await confirmPayout(page, "show_a", "finish");
    await waitForBoutStatus(page, "Payouts in progress");
    await confirmPayout(page, "show_b", "finish");
    await waitForBoutStatus(page, "Closed");
    const pending = page.locator('[data-refund-pending="true"]');
    await pending.waitFor();
    const said = await pending.innerText();
    expect(said).toContain("Closed: the fighters are paid.");
    expect(said).toContain("Refunds pending: both bonuses return to the promoter");
    // CancelAfter (event + 7 days) is named with its date.
    expect(await pending.locator("time").count()).toBe(1);
    await screenshot(page, "24-draw-closed-refunds-pending");
    a11y["closed draw with refunds pending"] = await accessibilityProblems(page);
  });

  test("the two bonus refunds: pending until the second is confirmed", async () => {
    const { page } = promoterPage;
    // The stub ledger closes just after CancelAfter, so the cancels are valid right away.
    await confirmPayout(page, "bonus_a", "cancel");
    await page.getByText("Refund pending: fighter B's bonus returns", { exact: false }).waitFor();
    expect(await page.locator('[data-refund-pending="true"]').count()).toBe(1);
    await confirmPayout(page, "bonus_b", "cancel");
    await page.locator('[data-refund-pending="false"]').waitFor();
    expect(await page.locator('[data-refund-pending="false"]').innerText()).toBe(
      "Closed. Every escrow is settled.",
    );
    expect(await page.getByRole("button", { name: "Prepare payouts" }).count()).toBe(0);
    const cancelTx = card(page, "bonus_b").locator('[data-tx="close"] a');
    expect(await cancelTx.getAttribute("href")).toMatch(
      /^https:\/\/testnet\.xrpl\.org\/transactions\/[0-9A-F]{64}$/,
    );
    await screenshot(page, "25-draw-refunds-confirmed");
    await promoterPage.context.close();
  });
});

describe("a bout settled in an issued token (USD), stub ledger", () => {
  let promoterPage: Actor;
  let tokenUrl = "";

  test("the promoter creates a bout in USD: decimal purses checked as typed, the exact total", async () => {
    promoterPage = watch(await newActor(browser));
    const { page } = promoterPage;
    await signIn(page, site.url, PROMOTER.email);
    await open(page, site.url, "/bouts/new");
    await page.getByRole("heading", { name: "New bout" }).waitFor();
    await fillNewBout(page, { ...plan(TOKEN_TITLE), token: "USD", purses: USD_PURSES });
    const chosen = page.locator('[data-token-chosen="USD"]');
    expect(await chosen.innerText()).toContain(`issued by ${USD.issuer}`);
    expect(await chosen.innerText()).toContain("transfer fee, if it charges one, is read");
    // A bad amount is explained next to its field, in the service's own terms.
    const bonusB = page.getByLabel("Win bonus, fighter B (USD)");
    await bonusB.fill("1e2");
    await page.getByText("Write a plain decimal such as 1500 or 2500.75").waitFor();
    expect(await bonusB.getAttribute("aria-invalid")).toBe("true");
    await bonusB.fill(USD_PURSES[3]);
    await page.getByText("Total locked: 3,250.76 USD").waitFor();
    await screenshot(page, "38-new-bout-token");
    a11y["token new bout"] = await accessibilityProblems(page);
    await page.getByRole("button", { name: "Create bout" }).click();

    await page.getByRole("heading", { name: TOKEN_TITLE }).waitFor();
    tokenUrl = page.url();
    await waitForBoutStatus(page, "Draft");
    expect(await page.locator("[data-bout-total]").innerText()).toBe("3,250.76 USD");
    expect(await page.locator("[data-transfer-fee]").innerText()).toContain("not read yet");
    const issuer = page.locator('.facts [data-token="USD"]').getByRole("link");
    expect(await issuer.getAttribute("href")).toBe(
      `https://testnet.xrpl.org/accounts/${USD.issuer}`,
    );
    const showB = await card(page, "show_b").innerText();
    expect(showB).toContain("1,250.5 USD");
    expect(showB).toContain("Must be finished by");
    expect(showB).not.toContain("drops");
  });

  test("its four escrows are confirmed through the stub forms, each with its amount object", async () => {
    const { page } = promoterPage;
    await prepareEscrows(page);
    const evidence = card(page, "bonus_a");
    expect(await evidence.getByLabel("Amount value").inputValue()).toBe("500.25");
    expect(await evidence.getByLabel("Amount currency").inputValue()).toBe("USD");
    expect(await evidence.getByLabel("Amount issuer").inputValue()).toBe(USD.issuer);
    for (const kind of KINDS) await confirmEscrowCreated(page, kind);
    await waitForBoutStatus(page, "Escrows created");
    await screenshot(page, "39-token-bout-funded");
    a11y["token bout page"] = await accessibilityProblems(page);
  });

  test("the admin enters the result; the promoter settles the bout to closed, in USD throughout", async () => {
    const admin = watch(await newActor(browser));
    await signIn(admin.page, site.url, ADMIN.email, ADMIN.password);
    await admin.page.goto(tokenUrl);
    const form = admin.page.getByRole("region", { name: "Enter the result" });
    await form.getByRole("radio", { name: `Fighter A wins: ${FIGHTER_A.name}` }).check();
    await form.getByRole("button", { name: "Enter result" }).click();
    await form.getByRole("button", { name: "Yes, record the result" }).click();
    await waitForBoutStatus(admin.page, "Result entered");
    await admin.context.close();

    const { page } = promoterPage;
    await page.reload();
    await waitForBoutStatus(page, "Result entered");
    await page.getByRole("button", { name: "Prepare payouts" }).click();
    await page.getByText("4 sign requests ready.").waitFor();
    for (const kind of ["show_a", "show_b", "bonus_a"]) await confirmPayout(page, kind, "finish");
    await confirmPayout(page, "bonus_b", "cancel");
    await waitForBoutStatus(page, "Closed");
    await page.locator('[data-refund-pending="false"]').waitFor();
    expect(await page.locator("[data-bout-total]").innerText()).toBe("3,250.76 USD");
    expect(await card(page, "bonus_b").innerText()).toContain("0.01 USD");
    await screenshot(page, "40-token-bout-closed");

    await open(page, site.url, "/bouts");
    const listed = page.getByRole("link", { name: new RegExp(TOKEN_TITLE) });
    expect(await listed.innerText()).toContain("total 3,250.76 USD");
    await promoterPage.context.close();
  });
});

describe("withdrawing a draft bout", () => {
  let promoterPage: Actor;

  test("after a prepare, the owner withdraws a draft, with a confirmation step", async () => {
    promoterPage = watch(await newActor(browser));
    const { page } = promoterPage;
    await signIn(page, site.url, PROMOTER.email);
    await createBout(page, site.url, plan(WITHDRAWN_TITLE, 24 * 60));
    await prepareEscrows(page);
    const section = page.getByRole("region", { name: "Withdraw the bout" });
    await section.getByRole("button", { name: "Withdraw this bout" }).click();
    const warning = section.getByRole("status");
    const said = await warning.innerText();
    expect(said).toContain(`Withdraw ${WITHDRAWN_TITLE}?`);
    expect(said).toContain("The bout is cancelled for good");
    expect(said).toContain("open sign requests are withdrawn in Xaman");
    expect(said).toContain("No money was locked");
    await screenshot(page, "26-withdraw-confirmation");
    a11y["withdraw confirmation"] = await accessibilityProblems(page);

    await section.getByRole("button", { name: "Yes, withdraw this bout" }).click();
    await waitForBoutStatus(page, "Withdrawn");
    await page.getByText("The bout is withdrawn.", { exact: false }).waitFor();
    expect(await page.locator('[data-withdrawn="true"]').innerText()).toContain(
      "called off before any money was locked",
    );
    expect(await page.locator(".heading-row .badge").innerText()).toBe("Withdrawn");
    expect(await section.count()).toBe(0);
    expect(await page.getByRole("button", { name: /Prepare/ }).count()).toBe(0);
    for (const kind of KINDS) await waitForEscrowStatus(page, kind, "planned");
    await page
      .locator('.timeline li[data-action="bout.withdraw"][data-outcome="applied"]')
      .waitFor();
    await screenshot(page, "27-bout-withdrawn");
    a11y["withdrawn bout"] = await accessibilityProblems(page);

    await open(page, site.url, "/bouts");
    await page.getByLabel("Status").selectOption("withdrawn");
    const listed = page.getByRole("link", { name: new RegExp(WITHDRAWN_TITLE) });
    // The bout is in the unfiltered list too: wait for the filtered page to replace it.
    await expect.poll(() => page.locator(".bout-list li").count(), { timeout: 10_000 }).toBe(1);
    await listed.waitFor();
    expect(await listed.locator(".badge").innerText()).toBe("Withdrawn");
    await screenshot(page, "28-bouts-list-withdrawn");
  });

  test("a withdrawal refused because an escrow was confirmed meanwhile is explained", async () => {
    const { page } = promoterPage;
    const url = await createBout(page, site.url, plan(REFUSED_TITLE, 24 * 60));
    await prepareEscrows(page);

    // The same promoter on another device opens the draft while nothing is locked yet…
    const other = watch(await newActor(browser));
    await signIn(other.page, site.url, PROMOTER.email);
    await other.page.goto(url);
    const section = other.page.getByRole("region", { name: "Withdraw the bout" });
    await section.getByRole("button", { name: "Withdraw this bout" }).waitFor();

    // …then an escrow is confirmed on the first one: money is now locked.
    await confirmEscrowCreated(page, "show_a");

    // The second page has not reloaded, so it still offers the withdrawal: the service says no.
    await section.getByRole("button", { name: "Withdraw this bout" }).click();
    await section.getByRole("button", { name: "Yes, withdraw this bout" }).click();
    const refusal = section.getByRole("alert");
    await refusal.waitFor();
    const said = await refusal.innerText();
    expect(said).toContain("The bout was not withdrawn");
    expect(said).toContain(
      "Money is locked in escrow for this bout; confirm every escrow, then enter the result as a no contest.",
    );
    expect(said).toContain("Escrows concerned: Show purse · Fighter A.");
    // It reloaded the bout: the button gives way to the reason and the way out.
    const blocked = section.locator('[data-withdraw-blocked="true"]');
    await blocked.waitFor();
    expect(await blocked.innerText()).toContain(
      "Show purse · Fighter A: already created on the ledger",
    );
    expect(await section.getByRole("button").count()).toBe(0);
    await waitForBoutStatus(other.page, "Draft");
    await screenshot(other.page, "29-withdraw-refused");
    a11y["refused withdrawal"] = await accessibilityProblems(other.page);
    await other.context.close();

    // The first page, up to date, never offered it.
    await page.reload();
    await page.locator('[data-withdraw-blocked="true"]').waitFor();
    expect(await page.getByRole("button", { name: "Withdraw this bout" }).count()).toBe(0);
    await promoterPage.context.close();
  });
});

describe("changing a password", () => {
  const NEW_PASSWORD = "a fresh password for Blake";

  test("a wrong current password is refused without ending the session; then it changes", async () => {
    // Blake is signed in on another device too: that session must end with this one.
    const elsewhere = watch(await newActor(browser));
    await signIn(elsewhere.page, site.url, FIGHTER_B.email);
    await elsewhere.page.getByRole("heading", { name: "Fighter profile" }).waitFor();

    const fighter = watch(await newActor(browser));
    const { page } = fighter;
    await signIn(page, site.url, FIGHTER_B.email);
    const oldToken = (await storedItems(page))["ringledger.access_token"];
    expect(oldToken).toBeTruthy();
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Change password" })
      .click();
    await page.getByRole("heading", { name: "Change password" }).waitFor();
    const form = page.locator("form");

    await form.getByLabel("Current password").fill("not my password at all");
    await form.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await form.getByLabel("Repeat new password").fill(NEW_PASSWORD);
    await screenshot(page, "30-change-password");
    await form.getByRole("button", { name: "Change password" }).click();
    const refusal = form.getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain("The current password is not correct.");
    // A wrong current password is not a session end: same screen, still signed in.
    expect(await page.getByRole("heading", { name: "Change password" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(1);
    expect((await storedItems(page))["ringledger.access_token"]).toBe(oldToken);
    expect(await form.getByLabel("Current password").inputValue()).toBe("");
    await screenshot(page, "31-change-password-wrong-current");
    a11y["change password refused"] = await accessibilityProblems(page);

    await form.getByLabel("Current password").fill(PASSWORD);
    await form.getByRole("button", { name: "Change password" }).click();

    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const notice = page.getByRole("status");
    expect(await notice.innerText()).toBe(
      "Your password was changed and every session of your account was signed out, this one " +
        "too. Sign in with the new password.",
    );
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    expect(
      Object.keys(await storedItems(page)).filter((key) => key.startsWith("ringledger.")),
    ).toEqual([]);
    await screenshot(page, "32-password-changed-sign-in");

    // The old token no longer works: not for the service…
    const me = await fetch(`${backend.baseUrl}/auth/me`, {
      headers: { Authorization: `Bearer ${oldToken}` },
    });
    expect(me.status).toBe(401);
    expect(((await me.json()) as { code: string }).code).toBe("token_invalid");
    // …nor on the other device, whose next page load finds its session ended.
    await elsewhere.page.reload();
    await elsewhere.page.getByRole("heading", { name: "Sign in" }).waitFor();
    await elsewhere.page.getByText("Your session has ended. Please sign in again.").waitFor();
    await elsewhere.context.close();

    // The old password is refused; the new one signs in.
    await page.getByLabel("Email").fill(FIGHTER_B.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const wrong = page.getByRole("alert");
    await wrong.waitFor();
    expect(await wrong.innerText()).toContain("The email or password is not right.");
    await page.getByLabel("Password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Fighter profile" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await fighter.context.close();
  });
});

describe("the ledger has the last word (XRPL_MODE=rpc): anomalies and claims", () => {
  test("a bonus finished on the ledger before any result is an anomaly, said loudly", async () => {
    const promoter = onLedger.promoter!;
    const fighters = onLedger.fighters!;
    const bout = await fundedBout(rpc, promoter, {
      title: ANOMALY_TITLE,
      fighter_a_user_id: fighters.A,
      fighter_b_user_id: fighters.B,
      event_datetime_utc: isoSeconds(new Date(Date.now() - 3_600_000)),
    });
    const bonusA = bout.escrows.find((escrow) => escrow.escrow_kind === "bonus_a")!;
    const fighterAddress = bonusA.destination_address;
    // Fighter A finishes their bonus themselves after FinishAfter, before any result: on the
    // real ledger that takes the bonus's preimage, leaked (the stand-in does not check it).
    const { tx_hash: finish } = await rpc.node.submit(
      LEDGER_FIGHTER_A.wallet,
      {
        TransactionType: "EscrowFinish",
        Account: fighterAddress,
        Owner: promoter.address,
        OfferSequence: bonusA.offer_sequence,
      },
      bonusA.finish_after_ripple,
    );
    expect(await rpc.reconcile()).toMatch(/ledger watch: .*anomalies 1,/);

    const actor = watch(await newActor(browser));
    const { page } = actor;
    await signIn(page, rpcSite.url, LEDGER_PROMOTER.email);
    await page.getByRole("heading", { name: "Bouts" }).waitFor();
    const listed = page.getByRole("link", { name: new RegExp(ANOMALY_TITLE) });
    await listed.locator('[data-anomalies="1"]').waitFor();
    expect(await listed.innerText()).toContain("Ledger anomaly: a move the outcome did not allow");
    const calm = page.getByRole("link", { name: new RegExp(CLAIM_TITLE) });
    expect(await calm.locator("[data-anomalies]").count()).toBe(0);
    await screenshot(page, "34-bouts-list-ledger-anomaly");

    await listed.click();
    await page.getByRole("heading", { name: ANOMALY_TITLE }).waitFor();
    const alert = page.getByRole("alert");
    const said = await alert.innerText();
    expect(said).toContain("Ledger anomaly: money moved in a way the outcome did not allow");
    expect(said).toMatch(/Win bonus · Fighter A: .*before any result/);
    expect(said).toContain("The operator follows the runbook's procedure");
    const tx = alert.getByRole("link", { name: new RegExp(`^${finish}`) });
    expect(await tx.getAttribute("href")).toBe(`https://testnet.xrpl.org/transactions/${finish}`);
    // Recorded as the ledger shows it: the bonus is paid out, by the fighter; the bout has no result.
    await waitForEscrowStatus(page, "bonus_a", "finished");
    await waitForBoutStatus(page, "Escrows created");
    expect(await card(page, "bonus_a").getAttribute("data-anomaly")).toBe("true");
    const closedBy = card(page, "bonus_a").locator('[data-closed-by="the fighter"]');
    expect(await closedBy.innerText()).toBe(`${fighterAddress} (the fighter)`);
    expect(await closedBy.getByRole("link").getAttribute("href")).toBe(
      `https://testnet.xrpl.org/accounts/${fighterAddress}`,
    );
    await screenshot(page, "35-bout-ledger-anomaly");
    a11y["bout with a ledger anomaly"] = await accessibilityProblems(page);
    await actor.context.close();
  });

  test("a fighter's account cannot receive the token yet; they add the trust line", async () => {
    const promoter = onLedger.promoter!;
    const fighters = onLedger.fighters!;
    const [showA, showB, bonusA, bonusB] = USD_PURSES;
    await promoter.api.createBout({
      title: TRUST_TITLE,
      fighter_a_user_id: fighters.A,
      fighter_b_user_id: fighters.B,
      event_datetime_utc: isoSeconds(new Date(Date.now() + 24 * 3_600_000)),
      promoter_xrpl_address: promoter.address,
      token: rpc.token.label,
      show_a_amount: showA,
      show_b_amount: showB,
      bonus_a_amount: bonusA,
      bonus_b_amount: bonusB,
    });

    const actor = watch(await newActor(browser));
    const { page } = actor;
    await signIn(page, rpcSite.url, LEDGER_FIGHTER_A.email);
    await page.getByRole("heading", { name: "Trust lines for token purses" }).waitFor();
    const usd = page.getByRole("listitem", { name: "USD" });
    await usd.waitFor();
    expect(await usd.getAttribute("data-ready")).toBe("not-ready");
    expect(await usd.innerText()).toContain(`has no trust line for USD from ${rpc.token.issuer}`);
    await screenshot(page, "41-trust-line-not-ready");
    a11y["trust-line panel"] = await accessibilityProblems(page);

    await usd.getByRole("button", { name: "Add trust line" }).click();
    const signing = usd.getByRole("region", { name: "Sign in Xaman" });
    const qr = signing.getByRole("img", { name: /QR code of the Xaman sign request/ });
    await qr.waitFor();
    expect(await qr.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
    expect(await signing.getByRole("link", { name: "Open in Xaman" }).getAttribute("href")).toMatch(
      /^https:\/\/xumm\.app\/sign\//,
    );
    // Fighter A is owed show A and bonus A: 1500 + 500.25.
    expect(await signing.innerText()).toContain("your account may then hold up to 2,000.25 USD");
    const shown = JSON.parse(
      (await signing.locator("[data-unsigned-tx]").textContent()) ?? "{}",
    ) as Record<string, unknown>;
    expect(shown).toMatchObject({
      TransactionType: "TrustSet",
      LimitAmount: { currency: "USD", issuer: rpc.token.issuer, value: "2000.25" },
      Flags: 131072,
    });
    await screenshot(page, "42-trust-line-sign-request");
    a11y["trust-line sign request"] = await accessibilityProblems(page);

    // Fighter A's wallet signs the TrustSet the page shows; the node validates it.
    await rpc.node.submit(LEDGER_FIGHTER_A.wallet, shown);
    await page.reload();
    await usd.locator(".trust-line-status").waitFor();
    expect(await usd.getAttribute("data-ready")).toBe("ready");
    expect(await usd.innerText()).toContain("Ready: your account can receive what these bouts pay");
    await screenshot(page, "43-trust-line-ready");
    await actor.context.close();
  });

  test("once FinishAfter has passed the fighter claims; the finish is recorded from the ledger", async () => {
    const bout = onLedger.claimBout!;
    const { page, context } = onLedger.fighter!;
    const claim = card(page, "show_a").getByRole("region", { name: "Claim your show purse" });
    // Whatever is left of the countdown started at the beginning of the run.
    const button = claim.getByRole("button", { name: "Claim my show purse" });
    await button.waitFor({ timeout: 60_000 });
    expect(await claim.getByRole("timer").count()).toBe(0);
    expect(await claim.getByRole("status").innerText()).toBe(
      "FinishAfter has passed: you can claim your show purse now.",
    );
    await button.click();
    await page.getByText("Your sign request is ready").waitFor();
    const qr = claim.getByRole("img", { name: /QR code of the Xaman sign request/ });
    await qr.waitFor();
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    expect(await qr.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
    // Kept in this tab's sessionStorage, like the promoter's escrow-create prepares.
    const stored = (await storedItems(page))[`ringledger.prepared.${bout.bout_id}.claims`];
    expect(stored).toBeDefined();
    const [request] = (JSON.parse(stored!) as { prepared: ClaimOut[] }).prepared;
    const payload = request!.xaman_sign_request.payload_id;
    expect(await claim.getByRole("link", { name: "Open in Xaman" }).getAttribute("href")).toBe(
      `https://xumm.app/sign/${payload}`,
    );
    const address = bout.escrows.find((escrow) => escrow.escrow_kind === "show_a")!;
    const said = await claim.innerText();
    expect(said).toContain(
      `You sign an EscrowFinish from your own address ${address.destination_address}`,
    );
    expect(said).toContain("whoever submits the finish");
    expect(said).toContain("Expires");
    expect(said).toContain(
      "What happens next: once the ledger has validated your signed finish, the service records it on its own",
    );
    await screenshot(page, "36-fighter-claim-sign-request");
    a11y["fighter claim sign request"] = await accessibilityProblems(page);

    // A reload keeps the sign request: the same QR code.
    await page.reload();
    await claim.getByRole("img", { name: new RegExp(payload) }).waitFor();

    // Fighter A's wallet signs what the request shows; the node validates it after FinishAfter,
    // and one worker pass records it.
    const { tx_hash: finish } = await rpc.node.submit(
      LEDGER_FIGHTER_A.wallet,
      request!.unsigned_tx,
      address.finish_after_ripple,
    );
    expect(await rpc.reconcile()).toMatch(/ledger watch: .*recorded 1,/);
    await page.reload();
    await waitForEscrowStatus(page, "show_a", "finished");
    expect(await claim.count()).toBe(0);
    const shown = card(page, "show_a");
    expect(await shown.locator('[data-tx="close"] a').innerText()).toBe(finish);
    expect(await shown.locator('[data-closed-by="the fighter"]').innerText()).toBe(
      `${address.destination_address} (the fighter)`,
    );
    await screenshot(page, "37-fighter-claim-recorded");
    await context.close();
  });
});

describe("across every screen", () => {
  test("no page threw an uncaught error", () => {
    expect(pageErrors).toEqual([]);
    expect(PASSWORD.length).toBeGreaterThanOrEqual(12);
  });

  test("the main screens have no serious accessibility findings (axe-core, WCAG 2 AA)", () => {
    expect(Object.keys(a11y).sort()).toEqual(
      [
        "sign in",
        "new bout",
        "bout with a rejected confirm",
        "admin bout page",
        "phone bout page",
        "result entry confirmation",
        "closed draw with refunds pending",
        "withdraw confirmation",
        "withdrawn bout",
        "refused withdrawal",
        "change password refused",
        "fighter claim countdown",
        "bout with a ledger anomaly",
        "fighter claim sign request",
        "token new bout",
        "token bout page",
        "trust-line panel",
        "trust-line sign request",
      ].sort(),
    );
    expect(a11y).toEqual(Object.fromEntries(Object.keys(a11y).map((screen) => [screen, []])));
  });
});
