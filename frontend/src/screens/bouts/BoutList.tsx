import { useCallback, useEffect, useRef, useState } from "react";
import type { BoutStatus, BoutView } from "../../api/client";
import { BoutStatusBadge } from "../../components/BoutStatusBadge";
import { ErrorNotice } from "../../components/ErrorNotice";
import { fighterName, useFighters } from "../../components/useFighters";
import { BOUT_STATUSES, BOUT_STATUS_LABELS } from "../../lib/labels";
import { boutTotalText } from "../../lib/purses";
import { bonusesInWords, outcomeOf, outcomeText, pendingRefunds } from "../../lib/outcomes";
import { hrefFor } from "../../lib/router";
import { formatIsoLocal } from "../../lib/time";
import { useSession } from "../../session";

const PAGE_SIZE = 20;

export function BoutList() {
  const { api, user } = useSession();
  const { byId } = useFighters();
  const [status, setStatus] = useState<BoutStatus | "">("");
  const [bouts, setBouts] = useState<BoutView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Only the newest request may update the list (the filter can change while a page loads).
  const latest = useRef(0);

  const loadPage = useCallback(
    async (after: string | null, filter: BoutStatus | "") => {
      const request = ++latest.current;
      setBusy(true);
      setError(null);
      try {
        const page = await api.bouts({ status: filter || null, limit: PAGE_SIZE, cursor: after });
        if (request !== latest.current) return;
        setBouts((previous) => (after ? [...previous, ...page.items] : page.items));
        setCursor(page.next_cursor);
        setLoaded(true);
      } catch (caught) {
        if (request === latest.current) setError(caught);
      } finally {
        if (request === latest.current) setBusy(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void loadPage(null, status);
  }, [loadPage, status]);

  return (
    <section className="panel" aria-labelledby="bouts-title">
      <div className="heading-row">
        <h1 id="bouts-title" tabIndex={-1}>
          Bouts
        </h1>
        {user?.role === "promoter" ? (
          <a className="button primary" href={hrefFor({ name: "newBout" })}>
            New bout
          </a>
        ) : null}
      </div>
      <div className="toolbar">
        <label htmlFor="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(event) => setStatus(event.target.value as BoutStatus | "")}
        >
          <option value="">All statuses</option>
          {BOUT_STATUSES.map((option) => (
            <option key={option} value={option}>
              {BOUT_STATUS_LABELS[option]}
            </option>
          ))}
        </select>
      </div>
      <ErrorNotice error={error} />
      {loaded && bouts.length === 0 ? (
        <p className="empty" role="status">
          {status ? "No bouts in this status." : emptyText(user?.role)}
        </p>
      ) : null}
      <ul className="bout-list" aria-busy={busy}>
        {bouts.map((bout) => {
          const names = {
            A: fighterName(bout.fighter_a_user_id, byId, user?.user_id),
            B: fighterName(bout.fighter_b_user_id, byId, user?.user_id),
          };
          const outcome = outcomeOf(bout);
          return (
            <li key={bout.bout_id}>
              <a className="bout-link" href={hrefFor({ name: "bout", boutId: bout.bout_id })}>
                <span className="bout-link-title">{bout.title || "Untitled bout"}</span>
                <BoutStatusBadge status={bout.status} />
                <span className="bout-link-line">
                  {names.A} vs {names.B}
                </span>
                <span className="bout-link-line muted">
                  {formatIsoLocal(bout.event_datetime_utc)} · total {boutTotalText(bout)}
                </span>
                {outcome ? (
                  <span className="bout-link-line" data-outcome={outcome}>
                    Result: {outcomeText(outcome, names)}
                  </span>
                ) : null}
                {bout.anomalies.length > 0 ? (
                  <span
                    className="bout-link-line anomaly-flag"
                    data-anomalies={bout.anomalies.length}
                  >
                    <span aria-hidden="true">⚠ </span>
                    {anomalyLine(bout.anomalies.length)}
                  </span>
                ) : null}
                {bout.refund_pending ? (
                  <span className="bout-link-line muted">{refundLine(bout)}</span>
                ) : null}
              </a>
            </li>
          );
        })}
      </ul>
      {cursor ? (
        <button type="button" onClick={() => void loadPage(cursor, status)} disabled={busy}>
          {busy ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </section>
  );
}

function refundLine(bout: BoutView): string {
  const pending = pendingRefunds(bout);
  const refunds = pending.length >= 2 ? "Refunds" : "Refund";
  return pending.length === 0
    ? "Bonus refund pending"
    : `${refunds} pending: ${bonusesInWords(pending)} back to the promoter`;
}

function anomalyLine(count: number): string {
  const moves = count === 1 ? "a move" : `${count} moves`;
  return `Ledger anomaly: ${moves} the outcome did not allow`;
}

function emptyText(role: string | undefined): string {
  if (role === "promoter") return "No bouts yet. Create the first one.";
  if (role === "fighter") return "You are not on any bout card yet.";
  return "No bouts yet.";
}
