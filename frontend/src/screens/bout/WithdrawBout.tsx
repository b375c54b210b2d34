/**
 * The owning promoter withdraws a draft bout that never locked money (`draft → withdrawn`, for
 * good). The service decides; the console only avoids offering what it can already tell will
 * be refused, and says why instead.
 */

import { useId, useState } from "react";
import type { BoutView, EscrowKind } from "../../api/client";
import { ApiError } from "../../api/errors";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useAction } from "../../components/useAction";
import { ESCROW_KINDS, ESCROW_KIND_LABELS, ESCROW_STATUS_LABELS } from "../../lib/labels";

export interface WithdrawBlocker {
  kind: EscrowKind;
  /** What makes money possibly locked for this escrow, in words. */
  reason: string;
}

/**
 * Why the service would refuse a withdrawal, as far as the bout view tells: an escrow that is
 * no longer planned, or one whose latest EscrowCreate sign request was signed (that transaction
 * may already be on the ledger). An empty list means "worth asking"; the service checks again.
 */
export function withdrawBlockers(bout: BoutView): WithdrawBlocker[] {
  const blockers: WithdrawBlocker[] = [];
  for (const kind of ESCROW_KINDS) {
    const escrow = bout.escrows.find((item) => item.escrow_kind === kind);
    if (!escrow) continue;
    if (escrow.status !== "planned") {
      blockers.push({
        kind,
        reason:
          escrow.status === "created"
            ? "already created on the ledger, so its money is in escrow"
            : `no longer planned (${ESCROW_STATUS_LABELS[escrow.status].toLowerCase()})`,
      });
    } else if (escrow.signing?.status === "signed") {
      blockers.push({
        kind,
        reason: "its EscrowCreate was signed in Xaman and may already be on the ledger",
      });
    }
  }
  return blockers;
}

const NEXT_STEPS =
  "Confirm the escrows on the ledger (prepare and sign the ones still missing), then, once the " +
  "event has started, the admin enters the result as a no contest: both show purses are paid to " +
  "the fighters and both bonuses return to you after CancelAfter.";

function kindLabel(kind: string): string {
  return ESCROW_KIND_LABELS[kind as EscrowKind] ?? kind;
}

/** The service said no (or could not ask Xaman): its own sentence first, then what it named. */
function Refusal({ error }: { error: unknown }) {
  if (!(error instanceof ApiError) || !["state_conflict", "xaman_unavailable"].includes(error.code))
    return <ErrorNotice error={error} title="The bout was not withdrawn" />;
  const kinds = error.factList("escrow_kinds");
  const payloads = error.factList("payload_ids");
  return (
    <div className="notice notice-error" role="alert" data-refusal-code={error.code}>
      <p className="notice-title">The bout was not withdrawn</p>
      <p>{error.detail}</p>
      {kinds.length > 0 ? <p>Escrows concerned: {kinds.map(kindLabel).join(", ")}.</p> : null}
      {payloads.length > 0 ? (
        <p>
          Sign requests concerned: <span className="mono">{payloads.join(", ")}</span>
        </p>
      ) : null}
      {error.code === "xaman_unavailable" ? (
        <p>Xaman could not be asked about the open sign requests. Nothing changed; try again.</p>
      ) : null}
      {error.requestId ? <p className="small">Request id: {error.requestId}</p> : null}
    </div>
  );
}

interface WithdrawProps {
  bout: BoutView;
  /** Sends the withdrawal; resolves when the service accepted it, rejects with its refusal. */
  withdraw: () => Promise<unknown>;
}

/** Owner, draft bout: withdraw it after a confirmation, or say why it can no longer be. */
export function WithdrawBout({ bout, withdraw }: WithdrawProps) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const warningId = useId();
  const blockers = withdrawBlockers(bout);
  const title = bout.title || "this bout";

  async function confirmWithdraw() {
    await run(withdraw);
    setConfirming(false);
  }

  return (
    <section className="panel inset danger" aria-labelledby="withdraw-title">
      <h2 id="withdraw-title">Withdraw the bout</h2>
      {error ? <Refusal error={error} /> : null}
      {blockers.length > 0 ? (
        <div className="notice notice-warn" data-withdraw-blocked="true">
          <p className="notice-title">
            This bout can no longer be withdrawn: money may be locked in escrow.
          </p>
          <ul>
            {blockers.map((blocker) => (
              <li key={blocker.kind}>
                {ESCROW_KIND_LABELS[blocker.kind]}: {blocker.reason}.
              </li>
            ))}
          </ul>
          <p>
            <strong>What to do: </strong>
            {NEXT_STEPS}
          </p>
        </div>
      ) : (
        <>
          <p>
            If the bout will not happen, withdraw it. Nothing is on the ledger yet, so no money
            moves.
          </p>
          {confirming ? (
            <div className="notice notice-warn" role="status" id={warningId}>
              <p className="notice-title">Withdraw {title}?</p>
              <ul>
                <li>The bout is cancelled for good; it cannot be reopened or edited.</li>
                <li>
                  Its open sign requests are withdrawn in Xaman, so they can no longer be signed.
                </li>
                <li>No money was locked: nothing moves on the ledger.</li>
              </ul>
            </div>
          ) : null}
          <div className="button-row">
            {confirming ? (
              <>
                <button
                  type="button"
                  className="danger-button"
                  disabled={busy}
                  aria-describedby={warningId}
                  onClick={() => void confirmWithdraw()}
                >
                  {busy ? "Withdrawing…" : "Yes, withdraw this bout"}
                </button>
                <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
                  Keep the bout
                </button>
              </>
            ) : (
              <button type="button" onClick={() => setConfirming(true)}>
                Withdraw this bout
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}
