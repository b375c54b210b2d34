import { ErrorNotice, SuccessNotice } from "../../components/ErrorNotice";
import { useAction } from "../../components/useAction";
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

  async function download() {
    setDone(null);
    const document = await run(() => api.evidence(boutId));
    if (document === undefined) return;
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
    </section>
  );
}
