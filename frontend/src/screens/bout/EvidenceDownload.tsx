import type { EscrowAmounts, EscrowKind } from "../../api/client";
import { LedgerAmount } from "../../components/Amount";
import { ErrorNotice, SuccessNotice } from "../../components/ErrorNotice";
import { useAction } from "../../components/useAction";
import { ESCROW_KIND_LABELS } from "../../lib/labels";
import { useSession } from "../../session";
import { useState } from "react";

export function evidenceFileName(boutId: string): string {
  return `ringledger-bout-${boutId}-evidence.json`;
}

/** Admin: the runbook's evidence document for this bout, saved as a JSON file. */
export function EvidenceDownload({ boutId }: { boutId: string }) {
  const { api } = useSession();
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const [amounts, setAmounts] = useState<EscrowAmounts[] | null>(null);

  async function download() {
    setDone(null);
    const document = await run(() => api.evidence(boutId));
    if (document === undefined) return;
    setAmounts(document.amounts);
    const blob = new Blob([JSON.stringify(document, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = window.document.createElement("a");
    link.href = url;
    link.download = evidenceFileName(boutId);
    window.document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setDone(`Saved ${evidenceFileName(boutId)}.`);
  }

  return (
    <section className="panel inset" aria-labelledby="evidence-title">
      <h2 id="evidence-title">Evidence</h2>
      <p className="muted">
        Bout and escrow states, signing attempts, audit entries and idempotency records in one JSON
        document.
      </p>
      <button type="button" onClick={() => void download()} disabled={busy}>
        {busy ? "Preparing…" : "Download evidence (JSON)"}
      </button>
      <ErrorNotice error={error} />
      <SuccessNotice message={done} />
      {amounts ? <AmountsTable amounts={amounts} /> : null}
    </section>
  );
}

function kindLabel(kind: string): string {
  return ESCROW_KIND_LABELS[kind as EscrowKind] ?? kind;
}

/** The document's `amounts`: each escrow's money as locked, net of the fee, and as delivered. */
export function AmountsTable({ amounts }: { amounts: EscrowAmounts[] }) {
  return (
    <table className="amounts-table">
      <caption>Amounts in the evidence document</caption>
      <thead>
        <tr>
          <th scope="col">Escrow</th>
          <th scope="col">Locked</th>
          <th scope="col">After the transfer fee</th>
          <th scope="col">Delivered</th>
        </tr>
      </thead>
      <tbody>
        {amounts.map((item) => (
          <tr key={item.escrow_kind} data-escrow-kind={item.escrow_kind}>
            <th scope="row">{kindLabel(item.escrow_kind)}</th>
            <td>
              <LedgerAmount amount={item.amount} />
            </td>
            <td>
              {item.net_amount === null ? (
                "not known yet"
              ) : (
                <LedgerAmount amount={item.net_amount} />
              )}
            </td>
            <td>
              {item.delivered_amount === null ? (
                "not known"
              ) : (
                <LedgerAmount amount={item.delivered_amount} />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
