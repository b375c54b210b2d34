/** Bout views in every state, shaped like the API's answers. */

import type {
  BoutStatus,
  BoutView,
  EscrowKind,
  EscrowStatus,
  EscrowView,
  Outcome,
} from "../api/client";
import { PROMOTER } from "./render";

export const BOUT_ID = "44444444-4444-4444-8444-444444444444";
export const FIGHTER_A_ID = "55555555-5555-4555-8555-555555555555";
export const FIGHTER_B_ID = "66666666-6666-4666-8666-666666666666";

const AMOUNTS: Record<EscrowKind, number> = {
  show_a: 5_000_000,
  show_b: 4_500_000,
  bonus_a: 2_250_000,
  bonus_b: 1_000_001,
};

export function escrowView(
  kind: EscrowKind,
  status: EscrowStatus,
  extra: Partial<EscrowView> = {},
): EscrowView {
  const bonus = kind.startsWith("bonus");
  return {
    escrow_id: `e-${kind}`,
    escrow_kind: kind,
    status,
    owner_address: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
    destination_address: kind.endsWith("_a")
      ? "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV"
      : "rKmh2FJyxgkajTtSx3EgCYkWYsmmuk561G",
    amount_drops: AMOUNTS[kind],
    amount: String(AMOUNTS[kind]),
    net_amount: String(AMOUNTS[kind]),
    finish_after_ripple: 857_000_000,
    cancel_after_ripple: bonus ? 857_590_000 : null,
    condition_hex: bonus ? "A0258020ABCDEF810120" : null,
    offer_sequence: status === "planned" ? null : 100,
    create_tx_hash: status === "planned" ? null : "C".repeat(64),
    close_tx_hash: status === "finished" || status === "cancelled" ? "D".repeat(64) : null,
    failure_code: null,
    failure_reason: null,
    closed_by_address: null,
    signing: null,
    ...extra,
  };
}

export function boutView(
  status: BoutStatus,
  options: {
    refundPending?: boolean;
    statuses?: Partial<Record<EscrowKind, EscrowStatus>>;
    /** Once decided; fighter A's win unless given. */
    outcome?: Outcome;
  } = {},
): BoutView {
  const defaults: Record<BoutStatus, EscrowStatus> = {
    draft: "planned",
    escrows_created: "created",
    result_entered: "created",
    payouts_in_progress: "created",
    closed: "finished",
    withdrawn: "planned",
  };
  const kinds: EscrowKind[] = ["show_a", "show_b", "bonus_a", "bonus_b"];
  const decided =
    status === "result_entered" || status === "payouts_in_progress" || status === "closed";
  const outcome = decided ? (options.outcome ?? "win_a") : null;
  const winner = outcome === "win_a" ? "A" : outcome === "win_b" ? "B" : null;
  return {
    bout_id: BOUT_ID,
    title: "Fixture Fight Night",
    status,
    winner,
    outcome,
    event_datetime_utc: "2027-03-01T20:00:00Z",
    finish_after_utc: "2027-03-01T22:00:00Z",
    cancel_after_utc: "2027-03-08T20:00:00Z",
    promoter_user_id: PROMOTER.user_id,
    fighter_a_user_id: FIGHTER_A_ID,
    fighter_b_user_id: FIGHTER_B_ID,
    promoter_xrpl_address: "rP5T7buyRVtx5YDQUVndQRMnzYYogtVidW",
    refund_pending: options.refundPending ?? false,
    created_at: "2027-02-01T10:00:00Z",
    updated_at: "2027-02-01T10:00:00Z",
    token: null,
    anomalies: [],
    escrows: kinds.map((kind) => escrowView(kind, options.statuses?.[kind] ?? defaults[status])),
  };
}

/** A token bout's issuer and purses (the backend's own token tests use the same amounts). */
export const TOKEN_ISSUER = "r3v6WvpDdgp8kv1qA2NRp7MdcynBM1jryX";
export const TOKEN_AMOUNTS: Record<EscrowKind, string> = {
  show_a: "1500",
  show_b: "1250.5",
  bonus_a: "500.25",
  bonus_b: "0.01",
};
/** 30 days after the event: a token show escrow's CancelAfter. */
export const TOKEN_SHOW_CANCEL_AFTER = 859_592_000;

/**
 * A bout settled in an issued token: every escrow's amount is the ledger's amount object, its
 * drops null; `net_amount` is null until a transfer rate was read, then `net` (or the amount).
 */
export function tokenBoutView(
  status: BoutStatus,
  options: {
    label?: string;
    currency?: string;
    transferRate?: number | null;
    net?: Partial<Record<EscrowKind, string>>;
    statuses?: Partial<Record<EscrowKind, EscrowStatus>>;
  } = {},
): BoutView {
  const bout = boutView(status, { statuses: options.statuses ?? {} });
  const currency = options.currency ?? "USD";
  const rate = options.transferRate ?? null;
  const amountOf = (value: string) => ({ currency, issuer: TOKEN_ISSUER, value });
  return {
    ...bout,
    token: { label: options.label ?? "USD", currency, issuer: TOKEN_ISSUER, transfer_rate: rate },
    escrows: bout.escrows.map((escrow) => {
      const value = TOKEN_AMOUNTS[escrow.escrow_kind];
      return {
        ...escrow,
        amount_drops: null,
        amount: amountOf(value),
        net_amount: rate === null ? null : amountOf(options.net?.[escrow.escrow_kind] ?? value),
        cancel_after_ripple: escrow.cancel_after_ripple ?? TOKEN_SHOW_CANCEL_AFTER,
      };
    }),
  };
}
