import { describe, expect, test } from "vitest";
import type { ClaimOut, PreparedEscrow, PreparedPayout } from "../api/client";
import {
  forgetSession,
  forgetStoredPayouts,
  loadPhase,
  savePhase,
  sessionGeneration,
  type PhaseState,
} from "./preparedStore";

const BOUT = "44444444-4444-4444-8444-444444444444";

const finish = {
  escrow_id: "e-bonus_a",
  escrow_kind: "bonus_a",
  action: "finish",
  not_before_utc: "2027-03-01T22:00:00Z",
  unsigned_tx: { TransactionType: "EscrowFinish", Fulfillment: "A0228020SECRET" },
  xaman_sign_request: {
    payload_id: "p-1",
    deep_link_url: "https://xumm.app/sign/p-1",
    qr_png_url: "",
    websocket_status_url: "",
    expires_at: "2027-03-01T20:00:00Z",
    mode: "stub",
  },
} satisfies PreparedPayout;

const create = {
  escrow_id: "e-show_a",
  escrow_kind: "show_a",
  unsigned_tx: { TransactionType: "EscrowCreate", Amount: "5000000" },
  xaman_sign_request: finish.xaman_sign_request,
} satisfies PreparedEscrow;

const payouts: PhaseState<PreparedPayout> = { prepared: [finish], signedHashes: {} };
const escrows: PhaseState<PreparedEscrow> = { prepared: [create], signedHashes: { "p-1": "AB" } };

describe("prepared store", () => {
  test("payout prepares are kept in memory for the page, never in sessionStorage", () => {
    expect(savePhase(BOUT, "payouts", payouts)).toBe(true);
    expect(loadPhase<PreparedPayout>(BOUT, "payouts")).toEqual(payouts);
    expect(sessionStorage.length).toBe(0);
    expect(JSON.stringify({ ...sessionStorage })).not.toContain("Fulfillment");
  });

  test("escrow-create prepares survive a reload in sessionStorage", () => {
    savePhase(BOUT, "escrows", escrows);
    expect(sessionStorage.getItem(`ringledger.prepared.${BOUT}.escrows`)).toContain("show_a");
    expect(loadPhase<PreparedEscrow>(BOUT, "escrows")).toEqual(escrows);
  });

  test("a fighter's claim survives a reload in sessionStorage, and goes with the session", () => {
    const claim = {
      bout_id: BOUT,
      escrow_kind: "show_a",
      unsigned_tx: { TransactionType: "EscrowFinish", OfferSequence: 100 },
      xaman_sign_request: finish.xaman_sign_request,
    } satisfies ClaimOut;
    const claims: PhaseState<ClaimOut> = { prepared: [claim], signedHashes: {} };
    savePhase(BOUT, "claims", claims);
    expect(sessionStorage.getItem(`ringledger.prepared.${BOUT}.claims`)).toContain("EscrowFinish");
    expect(loadPhase<ClaimOut>(BOUT, "claims")).toEqual(claims);
    forgetSession();
    expect(loadPhase<ClaimOut>(BOUT, "claims")).toEqual({ prepared: [], signedHashes: {} });
  });

  test("forgetSession empties memory and every ringledger item, and nothing else", () => {
    sessionStorage.setItem("ringledger.access_token", "jwt");
    sessionStorage.setItem("someone.else", "kept");
    savePhase(BOUT, "escrows", escrows);
    savePhase(BOUT, "payouts", payouts);
    forgetSession();
    expect(Object.keys(sessionStorage)).toEqual(["someone.else"]);
    expect(loadPhase(BOUT, "payouts")).toEqual({ prepared: [], signedHashes: {} });
    expect(loadPhase(BOUT, "escrows")).toEqual({ prepared: [], signedHashes: {} });
  });

  test("a prepare that answers after the session ended is dropped", () => {
    const openedIn = sessionGeneration();
    forgetSession();
    expect(savePhase(BOUT, "payouts", payouts, { generation: openedIn })).toBe(false);
    expect(savePhase(BOUT, "escrows", escrows, { generation: openedIn })).toBe(false);
    expect(loadPhase(BOUT, "payouts").prepared).toEqual([]);
    expect(sessionStorage.length).toBe(0);
    expect(savePhase(BOUT, "payouts", payouts, { generation: sessionGeneration() })).toBe(true);
    forgetSession();
  });

  test("payout prepares an older console stored are removed at start; the rest stays", () => {
    sessionStorage.setItem(`ringledger.prepared.${BOUT}.payouts`, JSON.stringify(payouts));
    savePhase(BOUT, "escrows", escrows);
    sessionStorage.setItem("ringledger.access_token", "jwt");
    forgetStoredPayouts();
    expect(Object.keys(sessionStorage).sort()).toEqual([
      "ringledger.access_token",
      `ringledger.prepared.${BOUT}.escrows`,
    ]);
  });

  test("without storage (disabled) nothing breaks", () => {
    expect(savePhase(BOUT, "escrows", escrows, { storage: null })).toBe(true);
    expect(loadPhase(BOUT, "escrows", null)).toEqual({ prepared: [], signedHashes: {} });
    expect(() => forgetSession(null)).not.toThrow();
  });
});
