import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { TrustLine, TrustLineRequestOut } from "../../api/client";
import { json, type Responder } from "../../test/fakeFetch";
import { BOUT_ID, TOKEN_ISSUER } from "../../test/fixtures";
import { FIGHTER, STUB_META, renderWithSession } from "../../test/render";
import { TrustLines } from "./TrustLines";

const FIGHTER_ADDRESS = "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV";
const OTHER_BOUT = "77777777-7777-4777-8777-777777777777";

function line(extra: Partial<TrustLine> = {}): TrustLine {
  return {
    label: "USD",
    currency: "USD",
    issuer: TOKEN_ISSUER,
    bout_ids: [BOUT_ID, OTHER_BOUT],
    ready: false,
    reason: `Your account ${FIGHTER_ADDRESS} has no trust line for USD from ${TOKEN_ISSUER}: the fighter must add one.`,
    ...extra,
  };
}

const REQUEST: TrustLineRequestOut = {
  unsigned_tx: {
    TransactionType: "TrustSet",
    Account: FIGHTER_ADDRESS,
    LimitAmount: { currency: "USD", issuer: TOKEN_ISSUER, value: "2000.25" },
    Flags: 131072,
  },
  xaman_sign_request: {
    payload_id: "payload-trust-1",
    deep_link_url: "https://xumm.app/sign/payload-trust-1",
    qr_png_url: "",
    websocket_status_url: "",
    expires_at: "2027-03-01T20:00:00Z",
    mode: "stub",
  },
};

function panel(lines: TrustLine[], post?: Responder, rpc = false) {
  return renderWithSession(<TrustLines />, {
    user: FIGHTER,
    meta: rpc ? { ...STUB_META, xrpl_mode: "rpc" } : STUB_META,
    routes: {
      "GET /fighters/me/trust-lines": () => json(200, lines),
      ...(post ? { "POST /fighters/me/trust-lines": post } : {}),
    },
  });
}

async function item(label = "USD"): Promise<HTMLElement> {
  return screen.findByRole("listitem", { name: label });
}

describe("what the panel says of each token", () => {
  test("not ready: the service's reason in words, the bouts linked, a button to add the line", async () => {
    panel([line()]);
    const usd = await item();
    expect(usd.getAttribute("data-ready")).toBe("not-ready");
    expect(usd.textContent).toContain(
      `Not ready: Your account ${FIGHTER_ADDRESS} has no trust line for USD`,
    );
    expect(within(usd).getByRole("link", { name: "Bout 44444444" }).getAttribute("href")).toBe(
      `#/bouts/${BOUT_ID}`,
    );
    expect(within(usd).getByRole("link", { name: "Bout 77777777" })).toBeTruthy();
    expect(within(usd).getByRole("link", { name: new RegExp(TOKEN_ISSUER) })).toBeTruthy();
    expect(within(usd).getByRole("button", { name: "Add trust line" })).toBeTruthy();
  });

  test("ready: said so, and nothing to sign", async () => {
    panel([line({ ready: true, reason: null })]);
    const usd = await item();
    expect(usd.getAttribute("data-ready")).toBe("ready");
    expect(usd.textContent).toContain("Ready: your account can receive what these bouts pay you.");
    expect(within(usd).queryByRole("button", { name: "Add trust line" })).toBeNull();
  });

  test("not checked: a stub ledger reads nothing, and the line can still be added", async () => {
    panel([line({ ready: null, reason: null })]);
    const usd = await item();
    expect(usd.getAttribute("data-ready")).toBe("unchecked");
    expect(usd.textContent).toContain(
      "Not checked: this service runs with a stub ledger (XRPL_MODE=stub) and reads no ledger",
    );
    expect(within(usd).getByRole("button", { name: "Add trust line" })).toBeTruthy();
  });

  test("a fighter without token bouts sees no panel at all", async () => {
    const { calls } = panel([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.some((call) => call.path === "/fighters/me/trust-lines")).toBe(true);
    expect(screen.queryByRole("heading", { name: "Trust lines for token purses" })).toBeNull();
  });

  test("a 40-digit currency is decoded, its code kept visible", async () => {
    const code = "524C555344000000000000000000000000000000";
    panel([line({ label: "RLUSD", currency: code })]);
    const rlusd = await item("RLUSD");
    expect(rlusd.textContent).toContain(`RLUSD (currency code ${code}), issued by ${TOKEN_ISSUER}`);
  });

  test("a ledger that cannot be read is said so", async () => {
    renderWithSession(<TrustLines />, {
      user: FIGHTER,
      routes: {
        "GET /fighters/me/trust-lines": () =>
          json(502, { detail: "The XRPL node did not answer.", code: "ledger_unavailable" }),
      },
    });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Your trust lines could not be read");
    expect(alert.textContent).toContain("The XRPL node could not be reached.");
  });
});

describe("adding the line", () => {
  test("the sign request as every sign request is shown, with the TrustSet it signs", async () => {
    const { calls } = panel([line()], () => json(200, REQUEST), true);
    const usd = await item();
    await userEvent.click(within(usd).getByRole("button", { name: "Add trust line" }));
    const signing = await within(usd).findByRole("region", { name: "Sign in Xaman" });
    const post = calls.find((call) => call.method === "POST");
    expect(post?.body).toEqual({ label: "USD" });

    const qr = await within(signing).findByRole("img", { name: /payload-trust-1/ });
    expect(qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    expect(within(signing).getByRole("link", { name: "Open in Xaman" }).getAttribute("href")).toBe(
      "https://xumm.app/sign/payload-trust-1",
    );
    expect(signing.textContent).toContain("Expires");
    expect(signing.textContent).toContain("payload-trust-1");
    expect(signing.textContent).toContain(
      `You sign a TrustSet from your own address ${FIGHTER_ADDRESS}: your account may then hold up to 2,000.25 USD issued by ${TOKEN_ISSUER}.`,
    );
    expect(signing.textContent).toContain("Flags 131072 (tfSetNoRipple)");
    const shown = signing.querySelector("[data-unsigned-tx]")!;
    expect(JSON.parse(shown.textContent!)).toEqual(REQUEST.unsigned_tx);
    expect(signing.textContent).toContain("this panel reads your line from the ledger");
    expect(screen.getByRole("status").textContent).toContain("Your sign request is ready");
    expect(within(usd).getByRole("button", { name: "Ask again (new sign request)" })).toBeTruthy();
  });

  test.each<[string, number, string, string]>([
    ["token_not_found", 404, "'EUR' is not a token bouts may use", "no longer one bouts may be"],
    [
      "profile_required",
      409,
      "Save your fighter profile",
      "the trust line is for its XRPL address",
    ],
    ["nothing_owed", 422, "No open bout of yours still owes you USD", "still owes you this token"],
    ["xaman_unavailable", 502, "Xaman timed out.", "Xaman could not be reached"],
    ["ledger_unavailable", 502, "The node did not answer.", "The XRPL node could not be read"],
  ])("%s (%i) is explained in words", async (code, status, detail, words) => {
    panel([line()], () => json(status, { detail, code }));
    const usd = await item();
    await userEvent.click(within(usd).getByRole("button", { name: "Add trust line" }));
    const alert = await within(usd).findByRole("alert");
    expect(alert.textContent).toContain("No sign request was issued");
    expect(alert.textContent).toContain(words);
    expect(alert.textContent).toContain(detail);
    expect(within(usd).queryByRole("region", { name: "Sign in Xaman" })).toBeNull();
  });
});
