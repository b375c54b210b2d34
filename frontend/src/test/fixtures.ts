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
