import { useId, useState } from "react";
import type { FormEvent } from "react";
import type { BoutView, Outcome, ResultChoice, ResultOut } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TimeInfo } from "../../components/TimeInfo";
import { useAction } from "../../components/useAction";
import { BOUT_STATUS_LABELS } from "../../lib/labels";
import { outcomeText, type Corner } from "../../lib/outcomes";
import { useSession } from "../../session";

interface ResultEntryProps {
  bout: BoutView;
  names: Record<Corner, string>;
  onEntered: (message: string) => void;
}

const CHOICES: Outcome[] = ["win_a", "win_b", "draw", "no_contest"];

/** The request body for a choice: `winner` for a win, `outcome` for a result without one. */
export function resultBody(outcome: Outcome): ResultChoice {
  switch (outcome) {
    case "win_a":
      return { winner: "A" };
    case "win_b":
      return { winner: "B" };
    case "draw":
    case "no_contest":
      return { outcome };
  }
}

function choiceLabel(outcome: Outcome, names: Record<Corner, string>): string {
  switch (outcome) {
    case "win_a":
      return `Fighter A wins: ${names.A}`;
    case "win_b":
      return `Fighter B wins: ${names.B}`;
    case "draw":
      return "Draw";
    case "no_contest":
      return "No contest";
  }
}

/** What the choice does with the money, said before it is recorded. */
function consequence(outcome: Outcome): string {
  switch (outcome) {
    case "win_a":
      return "Both show purses go to the fighters; fighter A's bonus goes to fighter A and fighter B's bonus returns to the promoter.";
    case "win_b":
      return "Both show purses go to the fighters; fighter B's bonus goes to fighter B and fighter A's bonus returns to the promoter.";
    case "draw":
      return "Both show purses go to the fighters; both bonuses return to the promoter.";
    case "no_contest":
      return "Both show purses go to the fighters; both bonuses return to the promoter. Use this for a bout called off after its escrows were created.";
  }
}

/**
 * The service's answer in words. An escrow may already be settled on the ledger when the result
 * comes (rpc mode: a show purse its fighter claimed, or a move listed as an anomaly): the bout
 * then goes straight on to paying out, or is already paid.
 */
export function resultAnswerText(answer: ResultOut, names: Record<Corner, string>): string {
  const entered = `Result entered: ${outcomeText(answer.outcome, names)}.`;
  const now = `The bout is now ${BOUT_STATUS_LABELS[answer.bout_status]}`;
  switch (answer.bout_status) {
    case "result_entered":
      return entered;
    case "payouts_in_progress":
      return `${entered} ${now}: the ledger already shows an escrow of this bout settled.`;
    case "closed":
      return `${entered} ${now}: every escrow this result pays was already settled on the ledger.`;
    default:
      return `${entered} ${now}.`;
  }
}

/** Admin: record the outcome. The service accepts it once, after the event has started. */
export function ResultEntry({ bout, names, onEntered }: ResultEntryProps) {
  const { api } = useSession();
  const [choice, setChoice] = useState<Outcome | null>(null);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const hintPrefix = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!choice) return;
    if (!confirming) {
      setConfirming(true);
      return;
    }
    const answer = await run(() => api.enterResult(bout.bout_id, resultBody(choice)));
    setConfirming(false);
    if (answer) onEntered(resultAnswerText(answer, names));
  }

  return (
    <section className="panel inset" aria-labelledby="result-title">
      <h2 id="result-title">Enter the result</h2>
      <p className="muted">
        Event start: <TimeInfo date={new Date(bout.event_datetime_utc)} />. The result is final once
        entered.
      </p>
      <form onSubmit={submit}>
        <fieldset disabled={busy}>
          <legend>Result</legend>
          {CHOICES.map((outcome) => (
            <div className="choice-with-hint" key={outcome}>
              <label className="choice">
                <input
                  type="radio"
                  name="outcome"
                  value={outcome}
                  checked={choice === outcome}
                  aria-describedby={`${hintPrefix}-${outcome}`}
                  onChange={() => {
                    setChoice(outcome);
                    setConfirming(false);
                  }}
                />
                {choiceLabel(outcome, names)}
              </label>
              <p className="hint" id={`${hintPrefix}-${outcome}`}>
                {consequence(outcome)}
              </p>
            </div>
          ))}
        </fieldset>
        {confirming && choice ? (
          <p className="notice notice-warn" role="status" data-confirm-outcome={choice}>
            Record the result as: {outcomeText(choice, names)}? {consequence(choice)} This cannot be
            changed.
          </p>
        ) : null}
        <ErrorNotice error={error} />
        <div className="button-row">
          <button type="submit" className="primary" disabled={!choice || busy}>
            {busy ? "Saving…" : confirming ? "Yes, record the result" : "Enter result"}
          </button>
          {confirming ? (
            <button type="button" onClick={() => setConfirming(false)}>
              Back
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
