import { useEffect, useRef } from "react";
import type { ReactNode } from "react";
import type { SignRequest, SigningStatus } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { QrCode } from "../../components/QrCode";
import { TimeInfo } from "../../components/TimeInfo";
import { TxHash } from "../../components/TxHash";
import { useAction } from "../../components/useAction";
import { SIGNING_STATUS_LABELS, SIGNING_STATUS_NOTES } from "../../lib/labels";
import { randomTxHash } from "../../lib/random";
import type { ReportedOutcome } from "./useBoutFlow";

/** How often an open sign request is checked with Xaman (api mode). */
export const SIGNING_POLL_MS = 4000;

interface SignRequestViewProps {
  request: SignRequest;
  /** What the signer should know first (the status, what the transaction does). */
  lead?: ReactNode;
  /** What follows the request's own facts (outcome buttons, what happens next). */
  children?: ReactNode;
}

/**
 * A sign request as the signer meets it: the QR code (drawn here from the deep link, or Xaman's
 * own image in api mode), the deep link, when it expires and its payload id.
 */
export function SignRequestView({ request, lead, children }: SignRequestViewProps) {
  const qrLabel = `QR code of the Xaman sign request ${request.payload_id}`;
  return (
    <section className="signing" aria-label="Sign in Xaman">
      <div className="signing-qr">
        {request.mode === "api" && request.qr_png_url ? (
          <img className="qr" src={request.qr_png_url} width={192} height={192} alt={qrLabel} />
        ) : (
          <QrCode value={request.deep_link_url} label={qrLabel} />
        )}
      </div>
      <div className="signing-info">
        {lead}
        <p>
          <a className="button" href={request.deep_link_url} target="_blank" rel="noreferrer">
            Open in Xaman
          </a>
        </p>
        <p className="small">
          Expires <TimeInfo date={new Date(request.expires_at)} />
        </p>
        <p className="small mono truncate" title={request.payload_id}>
          {request.payload_id}
        </p>
        {children}
      </div>
    </section>
  );
}

/**
 * A request the service withdrew because a newer prepare replaced it: final. Nothing about it
 * can be signed or reported any more, so it offers neither its QR code nor its link.
 */
function SupersededRequest({ request }: { request: SignRequest }) {
  return (
    <section className="signing signing-final" aria-label="Replaced sign request">
      <div className="signing-info">
        <p className="signing-status" data-signing-status="superseded">
          <strong>{SIGNING_STATUS_LABELS.superseded}</strong>
        </p>
        <p>{SIGNING_STATUS_NOTES.superseded}</p>
        <p className="small mono truncate" title={request.payload_id}>
          {request.payload_id}
        </p>
      </div>
    </section>
  );
}

interface SigningPanelProps {
  request: SignRequest;
  status: SigningStatus;
  /** Stub mode: the console stands in for the wallet and reports the outcome. */
  stub: boolean;
  reconcile: (observed?: ReportedOutcome) => Promise<unknown>;
  /** The transaction hash the signed request produced, when the service reported one. */
  signedHash?: string | null;
  pollMs?: number;
}

export function SigningPanel({
  request,
  status,
  stub,
  reconcile,
  signedHash = null,
  pollMs = SIGNING_POLL_MS,
}: SigningPanelProps) {
  const { busy, error, run } = useAction();
  const latestReconcile = useRef(reconcile);
  useEffect(() => {
    latestReconcile.current = reconcile;
  });

  // Outside stub mode Xaman knows the outcome: ask the service to check while the request is open.
  useEffect(() => {
    if (stub || status !== "open") return;
    const timer = window.setInterval(() => {
      void latestReconcile.current().catch(() => undefined);
    }, pollMs);
    return () => window.clearInterval(timer);
  }, [stub, status, pollMs]);

  if (status === "superseded") return <SupersededRequest request={request} />;

  const report = (outcome: SigningStatus) =>
    run(() =>
      reconcile(
        outcome === "signed" ? { status: outcome, txHash: randomTxHash() } : { status: outcome },
      ),
    );

  const lead = (
    <>
      <p className="signing-status" aria-live="polite" data-signing-status={status}>
        <strong>{SIGNING_STATUS_LABELS[status]}</strong>
      </p>
      {status === "signed" && signedHash ? (
        <p className="small signed-tx">
          Signed transaction: <TxHash hash={signedHash} />
        </p>
      ) : null}
    </>
  );
  return (
    <SignRequestView request={request} lead={lead}>
      {stub ? (
        <div
          className="button-row"
          role="group"
          aria-label="Report the signing outcome (stub wallet)"
        >
          <button type="button" onClick={() => void report("signed")} disabled={busy}>
            Report signed
          </button>
          <button type="button" onClick={() => void report("declined")} disabled={busy}>
            Report declined
          </button>
          <button type="button" onClick={() => void report("expired")} disabled={busy}>
            Report expired
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => void run(() => reconcile())} disabled={busy}>
          {busy ? "Checking…" : "Check status now"}
        </button>
      )}
      <ErrorNotice error={error} />
    </SignRequestView>
  );
}
