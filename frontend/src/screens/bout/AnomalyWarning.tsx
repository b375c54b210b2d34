import type { BoutView } from "../../api/client";
import { TxHash } from "../../components/TxHash";
import { ESCROW_KIND_LABELS } from "../../lib/labels";
import { formatIsoLocal } from "../../lib/time";

export type Anomaly = BoutView["anomalies"][number];

/** What an anomaly is, in one sentence (the bout page, escrow cards, the audit timeline). */
export const ANOMALY_MEANING =
  "Money moved on the ledger in a way the outcome did not allow; it is recorded as the ledger shows it.";

/**
 * The ledger moves of a bout that its outcome did not allow (the service's `anomalies`), at the
 * top of the bout page and announced at once: each escrow, the service's reason, the transaction
 * and when it was recorded, and what it means for the people reading it.
 */
export function AnomalyWarning({ anomalies }: { anomalies: Anomaly[] }) {
  if (anomalies.length === 0) return null;
  const one = anomalies.length === 1;
  return (
    <div className="notice notice-error anomalies" role="alert" data-anomalies={anomalies.length}>
      <p className="notice-title">
        Ledger anomal{one ? "y" : "ies"}: money moved in a way the outcome did not allow
      </p>
      <p>
        {one ? "This move has" : "These moves have"} happened on the XRP Ledger, which has the last
        word: the service recorded {one ? "it" : "them"} as the ledger shows, and nothing on this
        page can undo {one ? "it" : "them"}. The operator follows the runbook's procedure for an
        escrow moved on the ledger outside the service.
      </p>
      <ul>
        {anomalies.map((anomaly) => (
          <li
            key={`${anomaly.escrow_kind}-${anomaly.tx_hash ?? ""}`}
            data-anomaly={anomaly.escrow_kind}
          >
            <strong>{ESCROW_KIND_LABELS[anomaly.escrow_kind]}</strong>: {anomaly.reason}
            <br />
            <span className="small">
              Transaction:{" "}
              {anomaly.tx_hash ? <TxHash hash={anomaly.tx_hash} /> : "not known to the service"}
              {anomaly.observed_at ? (
                <>
                  {" "}
                  · recorded{" "}
                  <time dateTime={anomaly.observed_at}>{formatIsoLocal(anomaly.observed_at)}</time>
                </>
              ) : null}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
