import { useEffect, useState } from "react";
import type { AuditEntry } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Badge, type Tone } from "../../components/Badge";
import { TxHash } from "../../components/TxHash";
import { isTxHash } from "../../lib/explorer";
import { SIGNING_STATUS_NOTES } from "../../lib/labels";
import { formatIsoLocal } from "../../lib/time";
import { useSession } from "../../session";
import { ANOMALY_MEANING } from "./AnomalyWarning";

function tone(outcome: string): Tone {
  if (outcome === "ok" || outcome === "success" || outcome === "applied") return "good";
  if (outcome === "rejected" || outcome === "anomaly" || outcome.includes("unavailable")) {
    return "bad";
  }
  return "neutral";
}

/** Audit fields that hold a ledger transaction hash (tx_hash, observed_tx_hash, …). */
function isTxHashField(key: string, value: unknown): value is string {
  return (key === "tx_hash" || key.endsWith("_tx_hash")) && isTxHash(value);
}

/** What an outcome means, where its one word does not say it (a signing outcome is named by its status). */
const OUTCOME_NOTES: Readonly<Record<string, string | undefined>> = {
  superseded: SIGNING_STATUS_NOTES.superseded,
  anomaly: ANOMALY_MEANING,
};

function detailText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The bout's append-only audit trail, oldest first (admin and owning promoter). */
export function AuditTimeline({ boutId, version }: { boutId: string; version: number }) {
  const { api } = useSession();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    api.audit(boutId).then(
      (list) => {
        if (!current) return;
        setEntries(list);
        setError(null);
      },
      (caught: unknown) => current && setError(caught),
    );
    return () => {
      current = false;
    };
  }, [api, boutId, version]);

  return (
    <section className="panel" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit timeline</h2>
      <ErrorNotice error={error} />
      {entries && entries.length === 0 ? <p className="empty">No audit entries yet.</p> : null}
      <ol className="timeline">
        {(entries ?? []).map((entry) => (
          <li key={entry.id} data-action={entry.action} data-outcome={entry.outcome}>
            <div className="timeline-head">
              <time dateTime={entry.at}>{formatIsoLocal(entry.at)}</time>
              <span className="timeline-action">{entry.action}</span>
              <Badge tone={tone(entry.outcome)}>{entry.outcome}</Badge>
              {entry.failure_code ? <code>{entry.failure_code}</code> : null}
            </div>
            <p className="small muted">
              by {entry.actor_role || "system"} · {entry.entity_type}
              {typeof entry.details.escrow_kind === "string"
                ? ` · ${entry.details.escrow_kind}`
                : ""}
            </p>
            {OUTCOME_NOTES[entry.outcome] ? (
              <p className="small timeline-note">{OUTCOME_NOTES[entry.outcome]}</p>
            ) : null}
            {Object.keys(entry.details).length > 0 ? (
              <details className="small">
                <summary>Details</summary>
                <dl className="timeline-details">
                  {Object.entries(entry.details).map(([key, value]) => (
                    <div key={key}>
                      <dt>{key}</dt>
                      <dd className="mono">
                        {isTxHashField(key, value) ? <TxHash hash={value} /> : detailText(value)}
                      </dd>
                    </div>
                  ))}
                </dl>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
