import type { BoutView, EscrowKind } from "../../api/client";
import { TimeInfo } from "../../components/TimeInfo";
import {
  bonusesInWords,
  outcomeOf,
  outcomeText,
  pendingRefunds,
  refundedBonuses,
  winnerOf,
  type Corner,
} from "../../lib/outcomes";

function other(corner: Corner): Corner {
  return corner === "A" ? "B" : "A";
}

/** Where the money goes under this bout's outcome, in one sentence. */
export function settlementPlan(bout: BoutView): string | null {
  const outcome = outcomeOf(bout);
  if (!outcome) return null;
  const winner = winnerOf(outcome);
  if (winner) {
    return (
      `Both show purses are paid to the fighters and fighter ${winner}'s bonus to fighter ` +
      `${winner}; fighter ${other(winner)}'s bonus returns to the promoter.`
    );
  }
  return (
    "Both show purses are paid to the fighters (appearance money). Nobody won a bonus, so both " +
    "bonuses return to the promoter, and no fulfillment is ever revealed."
  );
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Refund pending: fighter B's bonus returns" / "Refunds pending: both bonuses return". */
function pendingSentence(kinds: EscrowKind[]): string {
  if (kinds.length >= 2) return `Refunds pending: ${bonusesInWords(kinds)} return`;
  if (kinds.length === 1) return `Refund pending: ${bonusesInWords(kinds)} returns`;
  return "Refund pending: a bonus returns";
}

/**
 * The outcome and what it does with the money, from the result on: which purses are paid, which
 * bonuses return to the promoter after CancelAfter, and whether a refund is still pending (the
 * service's `refund_pending`, also after the bout is closed).
 */
export function SettlementNote({ bout, names }: { bout: BoutView; names: Record<Corner, string> }) {
  const outcome = outcomeOf(bout);
  if (!outcome) return null;
  const cancelAfter = <TimeInfo date={new Date(bout.cancel_after_utc)} />;
  const refunded = refundedBonuses(outcome);
  const pending = pendingRefunds(bout);
  const pendingFlag = bout.refund_pending ? "true" : "false";

  if (bout.status === "closed") {
    if (!bout.refund_pending) {
      return (
        <p className="notice notice-success" data-refund-pending="false" data-outcome={outcome}>
          Closed. Every escrow is settled.
        </p>
      );
    }
    return (
      <p className="notice notice-info" data-refund-pending="true" data-outcome={outcome}>
        Closed: the fighters are paid. {pendingSentence(pending)} to the promoter once{" "}
        {pending.length >= 2 ? "they" : "it"} can be cancelled (after {cancelAfter}).
      </p>
    );
  }

  return (
    <div className="notice notice-info" data-refund-pending={pendingFlag} data-outcome={outcome}>
      <p className="notice-title">{outcomeText(outcome, names)}</p>
      <p>
        {settlementPlan(bout)} {capitalised(bonusesInWords(refunded))}{" "}
        {refunded.length >= 2 ? "are" : "is"} cancelled back after CancelAfter ({cancelAfter}).
      </p>
      {bout.refund_pending ? <p>{pendingSentence(pending)} to the promoter.</p> : null}
    </div>
  );
}
