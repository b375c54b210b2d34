import { useState } from "react";
import type { FormEvent } from "react";
import type { BoutView, Winner } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TimeInfo } from "../../components/TimeInfo";
import { useAction } from "../../components/useAction";
import { useSession } from "../../session";

interface ResultEntryProps {
  bout: BoutView;
  names: Record<Winner, string>;
  onEntered: (message: string) => void;
}

/** Admin: record the winner. The service accepts it once, after the event has started. */
export function ResultEntry({ bout, names, onEntered }: ResultEntryProps) {
  const { api } = useSession();
  const [winner, setWinner] = useState<Winner | null>(null);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!winner) return;
    if (!confirming) {
      setConfirming(true);
      return;
    }
    const answer = await run(() => api.enterResult(bout.bout_id, winner));
    setConfirming(false);
    if (answer)
      onEntered(`Result entered: ${names[answer.winner]} (fighter ${answer.winner}) won.`);
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
          <legend>Winner</legend>
          {(["A", "B"] as const).map((corner) => (
            <label className="choice" key={corner}>
              <input
                type="radio"
                name="winner"
                value={corner}
                checked={winner === corner}
                onChange={() => {
                  setWinner(corner);
                  setConfirming(false);
                }}
              />
              Fighter {corner}: {names[corner]}
            </label>
          ))}
        </fieldset>
        {confirming && winner ? (
          <p className="notice notice-warn" role="status">
            Record {names[winner]} (fighter {winner}) as the winner? This cannot be changed.
          </p>
        ) : null}
        <ErrorNotice error={error} />
        <div className="button-row">
          <button type="submit" className="primary" disabled={!winner || busy}>
            {busy ? "Saving…" : confirming ? "Yes, record the winner" : "Enter result"}
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
