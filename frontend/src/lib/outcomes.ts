/**
 * A bout's outcome in words, and what it means for each escrow. The service decides and
 * enforces all of this (payout prepare says `finish` or `cancel` per escrow, the bout view says
 * `refund_pending`); the console only needs the same table to explain it before and after.
 *
 * | outcome    | shows            | the winner's bonus | every other bonus          |
 * | ---------- | ---------------- | ------------------ | -------------------------- |
 * | win_a/b    | paid to fighters | paid to the winner | back to the promoter       |
 * | draw       | paid to fighters | —                  | both back to the promoter  |
 * | no_contest | paid to fighters | —                  | both back to the promoter  |
 */

import type { BoutView, EscrowKind, Outcome } from "../api/client";

export type Corner = "A" | "B";

export const BONUS_KINDS: EscrowKind[] = ["bonus_a", "bonus_b"];

/** The outcome of a bout view (null until a result is entered). */
export function outcomeOf(bout: Pick<BoutView, "outcome" | "winner">): Outcome | null {
  if (bout.outcome) return bout.outcome;
  // Only the outcome is authoritative; a lone winner still reads as that fighter's win.
  if (bout.winner === "A") return "win_a";
  if (bout.winner === "B") return "win_b";
  return null;
}

/** The winning corner, or null for a draw or a no contest. */
export function winnerOf(outcome: Outcome): Corner | null {
  if (outcome === "win_a") return "A";
  if (outcome === "win_b") return "B";
  return null;
}

/** "Fighter A (Alex Alpha) won", "Draw", "No contest". */
export function outcomeText(outcome: Outcome, names: Record<Corner, string>): string {
  const winner = winnerOf(outcome);
  if (winner) return `Fighter ${winner} (${names[winner]}) won`;
  return outcome === "draw" ? "Draw" : "No contest";
}

/** The bonuses this outcome sends back to the promoter (cancelled after CancelAfter). */
export function refundedBonuses(outcome: Outcome): EscrowKind[] {
  const winner = winnerOf(outcome);
  const winnersBonus: EscrowKind | null =
    winner === "A" ? "bonus_a" : winner === "B" ? "bonus_b" : null;
  return BONUS_KINDS.filter((kind) => kind !== winnersBonus);
}

/** Whether the ledger pays an escrow out to its fighter, or returns it to the promoter. */
export function payoutAction(outcome: Outcome, kind: EscrowKind): "finish" | "cancel" {
  return refundedBonuses(outcome).includes(kind) ? "cancel" : "finish";
}

/** The bonuses still waiting to be refunded (the outcome cancels them; they are still created). */
export function pendingRefunds(bout: BoutView): EscrowKind[] {
  const outcome = outcomeOf(bout);
  if (!outcome) return [];
  const refunded = refundedBonuses(outcome);
  return bout.escrows
    .filter((escrow) => refunded.includes(escrow.escrow_kind) && escrow.status === "created")
    .map((escrow) => escrow.escrow_kind);
}

/** "fighter A's bonus", "both bonuses". */
export function bonusesInWords(kinds: EscrowKind[]): string {
  if (kinds.length >= 2) return "both bonuses";
  const [kind] = kinds;
  if (!kind) return "no bonus";
  return `fighter ${kind.endsWith("_a") ? "A" : "B"}'s bonus`;
}
