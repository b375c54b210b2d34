import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { BoutView, ClaimOut, UserOut } from "../../api/client";
import { json, type Responder } from "../../test/fakeFetch";
import { BOUT_ID, boutView, escrowView } from "../../test/fixtures";
import { ADMIN, FIGHTER, PROMOTER, STUB_META, renderWithSession } from "../../test/render";
import { BoutDetail } from "./BoutDetail";
import { ShowClaim } from "./ShowClaim";

const FIGHTER_ADDRESS = "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV";
const PROMOTER_ADDRESS = "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW";
const PAST = "2026-01-01T00:00:00Z";
const STORE_KEY = `ringledger.prepared.${BOUT_ID}.claims`;

function claimAnswer(
  extra: Partial<ClaimOut["xaman_sign_request"]> = {},
  account = FIGHTER_ADDRESS,
): ClaimOut {
  return {
    bout_id: BOUT_ID,
    escrow_kind: "show_a",
    unsigned_tx: {
      TransactionType: "EscrowFinish",
      Account: account,
      Owner: PROMOTER_ADDRESS,
      OfferSequence: 100,
    },
    xaman_sign_request: {
      payload_id: "claim-payload-1",
      deep_link_url: "https://xumm.app/sign/claim-payload-1",
      qr_png_url: "https://xumm.app/sign/claim-payload-1_q.png",
      websocket_status_url: "wss://xumm.app/sign/claim-payload-1",
      expires_at: "2099-01-01T00:00:00Z",
      mode: "stub",
      ...extra,
    },
  };
}

/** A funded bout whose fighter A is the signed-in fighter, past FinishAfter unless told. */
function fundedBout(finishAfter = PAST): BoutView {
  return {
    ...boutView("escrows_created"),
    fighter_a_user_id: FIGHTER.user_id,
    finish_after_utc: finishAfter,
  };
}

function open(bout: BoutView, options: { user?: UserOut; claim?: Responder; rpc?: boolean } = {}) {
  return renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
    user: options.user ?? FIGHTER,
    meta: { ...STUB_META, xrpl_mode: options.rpc ? "rpc" : "stub" },
    routes: {
      [`GET /bouts/${BOUT_ID}`]: () => json(200, bout),
      [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
      "GET /fighters": () => json(200, []),
      ...(options.claim ? { [`POST /bouts/${BOUT_ID}/escrows/show_a/claim`]: options.claim } : {}),
    },
  });
}

async function ownCard() {
  return screen.findByRole("article", { name: "Show purse · Fighter A" });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the countdown to FinishAfter", () => {
  test("counts down each second, then offers the claim and says so", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2027-03-01T21:58:55Z"));
    const claim = vi.fn();
    render(
      <ShowClaim
        bout={fundedBout("2027-03-01T22:00:00Z")}
        escrow={escrowView("show_a", "created")}
        claimed={undefined}
        claim={claim}
        onClaimed={() => undefined}
      />,
    );
    const timer = screen.getByRole("timer");
    expect(timer.textContent).toContain("You can claim it in 1 min 5 s");
    expect(timer.querySelector('time[datetime="2027-03-01T22:00:00Z"]')).not.toBeNull();
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.getByRole("status").textContent).toBe("");

    act(() => void vi.advanceTimersByTime(60_000));
    expect(screen.getByRole("timer").textContent).toContain("You can claim it in 5 s");
    expect(screen.queryByRole("button")).toBeNull();

    // At FinishAfter itself the service still refuses: strictly after it.
    act(() => void vi.advanceTimersByTime(5_000));
    expect(screen.getByRole("timer").textContent).toContain("You can claim it in 0 s");
    expect(screen.queryByRole("button")).toBeNull();

    act(() => void vi.advanceTimersByTime(1_000));
    expect(screen.queryByRole("timer")).toBeNull();
    expect(screen.getByRole("button", { name: "Claim my show purse" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe(
      "FinishAfter has passed: you can claim your show purse now.",
    );
    expect(claim).not.toHaveBeenCalled();
  });
});

describe("claiming", () => {
  test("the sign request: QR code drawn here, deep link, expiry, what is signed and what follows", async () => {
    const { calls } = open(fundedBout(), { claim: () => json(200, claimAnswer()) });
    const card = await ownCard();
    // Past FinishAfter already: no countdown, and nothing is announced.
    expect(within(card).queryByRole("timer")).toBeNull();
    expect(card.querySelector('.claim [role="status"]')?.textContent).toBe("");
    await userEvent.click(within(card).getByRole("button", { name: "Claim my show purse" }));

    const qr = await within(card).findByRole("img", {
      name: /QR code of the Xaman sign request claim-payload-1/,
    });
    expect(qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    expect(within(card).getByRole("link", { name: "Open in Xaman" }).getAttribute("href")).toBe(
      "https://xumm.app/sign/claim-payload-1",
    );
    expect(card.textContent).toContain("Expires");
    const said = card.querySelector(".claim-what")?.textContent ?? "";
    expect(said).toContain(`You sign an EscrowFinish from your own address ${FIGHTER_ADDRESS}`);
    expect(said).toContain(`for the escrow of ${PROMOTER_ADDRESS} (offer sequence 100)`);
    expect(said).toContain(
      `It releases 5 XRP (5,000,000 drops) to ${FIGHTER_ADDRESS}, this escrow's destination: the ledger pays an escrow only to its destination, whoever submits the finish.`,
    );
    expect(card.querySelector('[data-claim="other-signer"]')).toBeNull();
    expect(card.querySelector(".claim-next")?.textContent).toContain(
      "the promoter's payout confirm records this finish",
    );
    expect(await screen.findByText(/Your sign request is ready/)).toBeTruthy();
    expect(
      within(card).getByRole("button", { name: "Claim again (new sign request)" }),
    ).toBeTruthy();
    // The claim went to the fighter's own show escrow, with no body.
    const posted = calls.filter((call) => call.method === "POST");
    expect(posted.map((call) => [call.path, call.body])).toEqual([
      [`/bouts/${BOUT_ID}/escrows/show_a/claim`, undefined],
    ]);
    // Kept in this tab's storage, so a reload shows the same QR code.
    expect(JSON.parse(sessionStorage.getItem(STORE_KEY) ?? "{}").prepared).toEqual([claimAnswer()]);
  });

  test("a reload shows the kept sign request without asking again", async () => {
    sessionStorage.setItem(
      STORE_KEY,
      JSON.stringify({ prepared: [claimAnswer()], signedHashes: {} }),
    );
    const { calls } = open(fundedBout(), { rpc: true });
    const card = await ownCard();
    await within(card).findByRole("img", { name: /claim-payload-1/ });
    expect(card.querySelector(".claim-next")?.textContent).toContain(
      "once the ledger has validated your signed finish, the service records it on its own",
    );
    expect(calls.some((call) => call.method === "POST")).toBe(false);
  });

  test("an expired sign request is not offered; a new one is", async () => {
    sessionStorage.setItem(
      STORE_KEY,
      JSON.stringify({ prepared: [claimAnswer({ expires_at: PAST })], signedHashes: {} }),
    );
    open(fundedBout());
    const card = await ownCard();
    const expired = await within(card).findByText(/Your last sign request expired at/);
    expect(expired.querySelector(`time[datetime="${PAST}"]`)).not.toBeNull();
    expect(within(card).queryByRole("img", { name: /QR code/ })).toBeNull();
    expect(within(card).queryByRole("link", { name: "Open in Xaman" })).toBeNull();
    expect(
      within(card).getByRole("button", { name: "Claim again (new sign request)" }),
    ).toBeTruthy();
  });

  test("signing from another address than the escrow's destination is pointed out", async () => {
    const other = "rKmh2FJyxgkajTtSx3EgCYkWYsmmuk561G";
    open(fundedBout(), { claim: () => json(200, claimAnswer({}, other)) });
    const card = await ownCard();
    await userEvent.click(within(card).getByRole("button", { name: "Claim my show purse" }));
    const warning = await within(card).findByText(/the address in your profile now/);
    expect(warning.textContent).toBe(
      `You sign from ${other}, the address in your profile now; the money still goes to ${FIGHTER_ADDRESS}, the address this bout was created with.`,
    );
  });
});

describe("refusals, in words", () => {
  test.each<[string, number, object, string[]]>([
    [
      "409: not claimable yet by the service's clock",
      409,
      {
        code: "state_conflict",
        detail: "The show purse can be claimed once FinishAfter has passed (2027-03-01T22:00:00Z).",
        bout_status: "escrows_created",
      },
      [
        "This show purse cannot be claimed right now: its escrow must be created on the ledger and FinishAfter must have passed, by the service's clock.",
        "The show purse can be claimed once FinishAfter has passed (2027-03-01T22:00:00Z).",
      ],
    ],
    [
      "422: a bonus",
      422,
      { code: "not_claimable", detail: "A bonus cannot be claimed." },
      ["Only a show purse can be claimed by its fighter.", "A bonus cannot be claimed."],
    ],
    [
      "403: another fighter",
      403,
      { code: "forbidden", detail: "Only the fighter an escrow pays may claim it." },
      ["Only the fighter this show purse pays may claim it."],
    ],
    [
      "502: Xaman unreachable",
      502,
      { code: "xaman_unavailable", detail: "Xaman did not answer." },
      [
        "Xaman could not be reached, so no sign request was issued. Nothing changed; try again shortly.",
      ],
    ],
  ])("%s", async (_, status, body, lines) => {
    const { calls } = open(fundedBout(), { claim: () => json(status, body) });
    const card = await ownCard();
    await userEvent.click(within(card).getByRole("button", { name: "Claim my show purse" }));
    const alert = await within(card).findByRole("alert");
    expect(alert.textContent).toContain("No sign request was issued");
    for (const line of lines) expect(alert.textContent).toContain(line);
    expect(within(card).queryByRole("img", { name: /QR code/ })).toBeNull();
    expect(sessionStorage.getItem(STORE_KEY)).toBe(
      JSON.stringify({ prepared: [], signedHashes: {} }),
    );
    // The page catches up with the service after a refusal.
    expect(calls.filter((call) => call.path === `/bouts/${BOUT_ID}`).length).toBe(2);
  });
});

describe("who is offered a claim", () => {
  test.each<[string, UserOut]>([
    ["the promoter", PROMOTER],
    ["the admin", ADMIN],
  ])("not %s", async (_, user) => {
    open(fundedBout(), { user });
    await ownCard();
    expect(screen.queryByRole("region", { name: "Claim your show purse" })).toBeNull();
  });

  test("a fighter only on their own show escrow, never on the other's or a bonus", async () => {
    open({
      ...fundedBout(),
      fighter_a_user_id: "77777777-7777-4777-8777-777777777777",
      fighter_b_user_id: FIGHTER.user_id,
    });
    const theirs = await screen.findByRole("article", { name: "Show purse · Fighter B" });
    expect(within(theirs).getByRole("region", { name: "Claim your show purse" })).toBeTruthy();
    expect(screen.getAllByRole("region", { name: "Claim your show purse" })).toHaveLength(1);
    expect(within(theirs).getByRole("button", { name: "Claim my show purse" })).toBeTruthy();
  });

  test("nothing to claim once the show is paid; a hint while the bout is a draft", async () => {
    const paid = fundedBout();
    paid.escrows[0] = escrowView("show_a", "finished");
    const { unmount } = open(paid);
    await ownCard();
    expect(screen.queryByRole("region", { name: "Claim your show purse" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Claim/ })).toBeNull();
    unmount();

    open({ ...boutView("draft"), fighter_a_user_id: FIGHTER.user_id });
    const card = await ownCard();
    expect(card.querySelector('[data-claim="waiting-for-escrow"]')?.textContent).toContain(
      "Once the promoter has locked your show purse on the ledger, you can claim it here after FinishAfter.",
    );
    expect(within(card).queryByRole("button")).toBeNull();
  });
});
