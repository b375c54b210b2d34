import { describe, expect, test } from "vitest";
import type { EscrowView, PreparedEscrow, PreparedPayout } from "../api/client";
import {
  buildEscrowConfirm,
  buildPayoutConfirm,
  escrowEvidenceDefaults,
  hashOnlyConfirm,
  payoutEvidenceDefaults,
} from "./evidence";

const HASH = "AB".repeat(32);
const signRequest = {
  payload_id: "p-1",
  deep_link_url: "https://xaman.app/sign/p-1",
  qr_png_url: "",
  websocket_status_url: "",
  expires_at: "2027-03-01T20:00:00Z",
  mode: "stub" as const,
};

const bonusCreate: PreparedEscrow = {
  escrow_id: "e-1",
  escrow_kind: "bonus_b",
  unsigned_tx: {
    TransactionType: "EscrowCreate",
    Account: "rPromoter",
    Destination: "rFighterB",
    Amount: "1000001",
    FinishAfter: 857000000,
    CancelAfter: 857590000,
    Condition: "A0258020",
  },
  xaman_sign_request: signRequest,
};

const escrow: EscrowView = {
  escrow_id: "e-1",
  escrow_kind: "bonus_b",
  status: "created",
  owner_address: "rPromoter",
  destination_address: "rFighterB",
  amount_drops: 1000001,
  amount: "1000001",
  net_amount: "1000001",
  finish_after_ripple: 857000000,
  cancel_after_ripple: 857590000,
  condition_hex: "A0258020",
  offer_sequence: 42,
  create_tx_hash: HASH,
  close_tx_hash: null,
  failure_code: null,
  failure_reason: null,
  closed_by_address: null,
  signing: null,
};

describe("escrow confirm evidence (stub ledger)", () => {
  test("starts from the prepared EscrowCreate", () => {
    const form = escrowEvidenceDefaults(bonusCreate, HASH, 1234);
    expect(buildEscrowConfirm("bonus_b", form)).toEqual({
      ok: true,
      body: {
        escrow_kind: "bonus_b",
        tx_hash: HASH,
        offer_sequence: 1234,
        validated: true,
        engine_result: "tesSUCCESS",
        owner_address: "rPromoter",
        destination_address: "rFighterB",
        amount_drops: 1000001,
        finish_after_ripple: 857000000,
        cancel_after_ripple: 857590000,
        condition_hex: "A0258020",
      },
    });
  });

  test("a show escrow has no CancelAfter and no Condition (sent as null)", () => {
    const show: PreparedEscrow = {
      ...bonusCreate,
      escrow_kind: "show_a",
      unsigned_tx: { Account: "rP", Destination: "rA", Amount: "5000000", FinishAfter: 857000000 },
    };
    const built = buildEscrowConfirm("show_a", escrowEvidenceDefaults(show, HASH, 9));
    expect(built.ok && built.body.cancel_after_ripple).toBeNull();
    expect(built.ok && built.body.condition_hex).toBeNull();
    expect(built.ok && built.body.amount_drops).toBe(5_000_000);
  });

  test("edited numbers that are not whole are named", () => {
    const form = {
      ...escrowEvidenceDefaults(bonusCreate, HASH, 1),
      offer_sequence: "12a",
      amount_drops: "1.5",
    };
    expect(buildEscrowConfirm("bonus_b", form)).toEqual({
      ok: false,
      problems: [
        "Offer sequence must be a whole number.",
        "Amount (drops) must be a whole number.",
      ],
    });
  });
});

describe("payout confirm evidence (stub ledger)", () => {
  const cancel: PreparedPayout = {
    escrow_id: "e-1",
    escrow_kind: "bonus_b",
    action: "cancel",
    not_before_utc: "2027-03-08T20:00:00Z",
    unsigned_tx: {
      TransactionType: "EscrowCancel",
      Account: "rPromoter",
      Owner: "rPromoter",
      OfferSequence: 42,
    },
    xaman_sign_request: signRequest,
  };

  test("a cancel closes 10 s after CancelAfter, without fulfillment", () => {
    const built = buildPayoutConfirm("bonus_b", payoutEvidenceDefaults(cancel, escrow, HASH));
    expect(built).toEqual({
      ok: true,
      body: {
        escrow_kind: "bonus_b",
        tx_hash: HASH,
        validated: true,
        engine_result: "tesSUCCESS",
        transaction_type: "EscrowCancel",
        owner_address: "rPromoter",
        offer_sequence: 42,
        close_time_ripple: 857590010,
        fulfillment_hex: null,
      },
    });
  });

  test("a finish closes 10 s after FinishAfter and carries the fulfillment", () => {
    const finish: PreparedPayout = {
      ...cancel,
      action: "finish",
      unsigned_tx: {
        ...cancel.unsigned_tx,
        TransactionType: "EscrowFinish",
        Condition: "A0",
        Fulfillment: "A022",
      },
    };
    const built = buildPayoutConfirm("bonus_b", payoutEvidenceDefaults(finish, escrow, HASH));
    expect(built.ok && built.body.close_time_ripple).toBe(857000010);
    expect(built.ok && built.body.fulfillment_hex).toBe("A022");
    expect(built.ok && built.body.transaction_type).toBe("EscrowFinish");
  });
});

test("rpc mode sends only the kind and the hash", () => {
  expect(hashOnlyConfirm("show_b", `  ${HASH} `)).toEqual({ escrow_kind: "show_b", tx_hash: HASH });
});
