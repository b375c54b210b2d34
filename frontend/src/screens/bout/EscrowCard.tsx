import type { ReactNode } from "react";
import type { EscrowStatus, EscrowView } from "../../api/client";
import { AccountAddress } from "../../components/AccountAddress";
import { LedgerAmount } from "../../components/Amount";
import { Badge, type Tone } from "../../components/Badge";
import { TimeInfo } from "../../components/TimeInfo";
import { TxHash } from "../../components/TxHash";
import {
  ESCROW_KIND_LABELS,
  ESCROW_STATUS_LABELS,
  SIGNING_STATUS_LABELS,
  SIGNING_STATUS_NOTES,
} from "../../lib/labels";
import { tokenAmountOf } from "../../lib/purses";
import { rippleToDate } from "../../lib/time";
import { useOptionalSession } from "../../session";
import { compareDecimals, formatTokenAmount } from "../../lib/tokens";
import { ANOMALY_MEANING, type Anomaly } from "./AnomalyWarning";
import { FailureNotice } from "./FailureNotice";

const STATUS_TONES: Record<EscrowStatus, Tone> = {
  planned: "neutral",
  created: "info",
  finished: "good",
  cancelled: "good",
  failed: "bad",
};

/** Who submitted an escrow's finish or cancel, as far as the escrow's own addresses tell. */
export function submitterOf(escrow: EscrowView): string | null {
  const address = escrow.closed_by_address;
  if (!address) return null;
  if (address === escrow.destination_address) return "the fighter";
  if (address === escrow.owner_address) return "the promoter";
  return "another account";
}

function closedByLabel(status: EscrowStatus): string {
  if (status === "finished") return "Finished by";
  if (status === "cancelled") return "Cancelled by";
  return "Closed by";
}

/**
 * What a token escrow's destination receives: the amount less the issuer's transfer fee at the
 * rate escrow prepare read (the least that can arrive), once that rate is known.
 */
function Receives({ escrow }: { escrow: EscrowView }) {
  const stubLedger = useOptionalSession()?.meta?.xrpl_mode === "stub";
  const net = escrow.net_amount;
  const amount = tokenAmountOf(escrow);
  if (!amount) return null;
  const netToken = net !== null && typeof net !== "string" ? net : null;
  return (
    <>
      <dt>The fighter receives</dt>
      <dd data-net-amount={netToken?.value ?? "unknown"}>
        {netToken === null ? (
          <span className="muted">
            {stubLedger
              ? "not known: it depends on the issuer's transfer fee, which a stub ledger never reads"
              : "not known yet: it depends on the issuer's transfer fee, which escrow prepare reads"}
          </span>
        ) : compareDecimals(netToken.value, amount.value) === 0 ? (
          <>
            <span className="amount">{formatTokenAmount(netToken.value, netToken.currency)}</span>{" "}
            <span className="small muted">(the whole amount: no transfer fee applies)</span>
          </>
        ) : (
          <>
            <span className="amount">{formatTokenAmount(netToken.value, netToken.currency)}</span>{" "}
            <span className="small muted">
              (after the issuer&apos;s transfer fee; the finish may deliver slightly more, never
              less)
            </span>
          </>
        )}
      </dd>
    </>
  );
}

interface EscrowCardProps {
  escrow: EscrowView;
  destinationName: string;
  /** A move of this escrow the outcome did not allow, when the service recorded one. */
  anomaly?: Anomaly | undefined;
  children?: ReactNode;
}

export function EscrowCard({ escrow, destinationName, anomaly, children }: EscrowCardProps) {
  const titleId = `escrow-${escrow.escrow_kind}-title`;
  const token = tokenAmountOf(escrow);
  const isShow = escrow.escrow_kind.startsWith("show");
  return (
    <article
      className="escrow-card"
      aria-labelledby={titleId}
      data-escrow-kind={escrow.escrow_kind}
      data-escrow-status={escrow.status}
      data-anomaly={anomaly ? "true" : undefined}
    >
      <header className="escrow-card-header">
        <h3 id={titleId}>{ESCROW_KIND_LABELS[escrow.escrow_kind]}</h3>
        <Badge tone={anomaly ? "bad" : STATUS_TONES[escrow.status]}>
          {ESCROW_STATUS_LABELS[escrow.status]}
        </Badge>
      </header>
      {anomaly ? (
        <p className="notice notice-error" data-anomaly="true">
          <strong>Anomaly.</strong> {ANOMALY_MEANING} See the warning at the top of the page.
        </p>
      ) : null}
      <dl className="facts">
        <dt>Amount</dt>
        <dd>
          <LedgerAmount amount={escrow.amount} />
        </dd>
        {token ? <Receives escrow={escrow} /> : null}
        <dt>Destination</dt>
        <dd>
          {destinationName}
          <br />
          <span className="mono small">{escrow.destination_address}</span>
        </dd>
        <dt>FinishAfter</dt>
        <dd>
          <TimeInfo date={rippleToDate(escrow.finish_after_ripple)} />
        </dd>
        {token && isShow && escrow.cancel_after_ripple !== null ? (
          <>
            <dt>Must be finished by</dt>
            <dd data-finish-deadline="true">
              <TimeInfo date={rippleToDate(escrow.cancel_after_ripple)} />
              <br />
              <span className="small muted">
                Its CancelAfter: a show purse not finished by then can be cancelled back to the
                promoter by anyone.
              </span>
            </dd>
          </>
        ) : escrow.cancel_after_ripple !== null ? (
          <>
            <dt>CancelAfter</dt>
            <dd>
              <TimeInfo date={rippleToDate(escrow.cancel_after_ripple)} />
            </dd>
          </>
        ) : null}
        {escrow.condition_hex ? (
          <>
            <dt>Condition</dt>
            <dd className="mono small truncate" title={escrow.condition_hex}>
              {escrow.condition_hex}
            </dd>
          </>
        ) : null}
        {escrow.offer_sequence !== null ? (
          <>
            <dt>Offer sequence</dt>
            <dd className="mono">{escrow.offer_sequence}</dd>
          </>
        ) : null}
        {escrow.create_tx_hash ? (
          <>
            <dt>Create tx</dt>
            <dd className="small" data-tx="create">
              <TxHash hash={escrow.create_tx_hash} />
            </dd>
          </>
        ) : null}
        {escrow.close_tx_hash ? (
          <>
            <dt>{escrow.status === "cancelled" ? "Cancel tx" : "Finish tx"}</dt>
            <dd className="small" data-tx="close">
              <TxHash hash={escrow.close_tx_hash} />
            </dd>
          </>
        ) : null}
        {escrow.closed_by_address ? (
          <>
            <dt>{closedByLabel(escrow.status)}</dt>
            <dd className="small" data-closed-by={submitterOf(escrow)}>
              <AccountAddress address={escrow.closed_by_address} /> ({submitterOf(escrow)})
            </dd>
          </>
        ) : null}
        {escrow.signing ? (
          <>
            <dt>Signing</dt>
            <dd data-signing-status={escrow.signing.status}>
              {SIGNING_STATUS_LABELS[escrow.signing.status]}
              {SIGNING_STATUS_NOTES[escrow.signing.status] ? (
                <span className="small muted signing-note">
                  {" "}
                  {SIGNING_STATUS_NOTES[escrow.signing.status]}
                </span>
              ) : null}
              <br />
              <span className="mono small truncate" title={escrow.signing.payload_id}>
                {escrow.signing.payload_id}
              </span>
            </dd>
          </>
        ) : null}
      </dl>
      {escrow.failure_code ? (
        <FailureNotice code={escrow.failure_code} reason={escrow.failure_reason} />
      ) : null}
      {children}
    </article>
  );
}
