import { useCallback, useState } from "react";
import type {
  BoutView,
  EscrowKind,
  EscrowView,
  PreparedEscrow,
  PreparedPayout,
  ShowKind,
  SigningStatus,
  TokenView,
  UserOut,
} from "../../api/client";
import { BoutStatusBadge } from "../../components/BoutStatusBadge";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TimeInfo } from "../../components/TimeInfo";
import { TokenName } from "../../components/TokenName";
import { TxHash } from "../../components/TxHash";
import { fighterName, useFighters } from "../../components/useFighters";
import { useAction } from "../../components/useAction";
import {
  BOUT_LIFECYCLE,
  BOUT_STATUS_LABELS,
  ESCROW_KINDS,
  WITHDRAWN_PATH,
  corner,
} from "../../lib/labels";
import { boutTotalText } from "../../lib/purses";
import {
  bonusesInWords,
  outcomeOf,
  outcomeText,
  pendingRefunds,
  refundedBonuses,
  winnerOf,
  type Corner,
} from "../../lib/outcomes";
import type { Phase } from "../../lib/preparedStore";
import { hrefFor } from "../../lib/router";
import { transferFeeText } from "../../lib/tokens";
import { useSession } from "../../session";
import { AnomalyWarning } from "./AnomalyWarning";
import { AuditTimeline } from "./AuditTimeline";
import {
  EscrowEvidenceForm,
  HashConfirmForm,
  PayoutEvidenceForm,
  type OnSettled,
  type Settled,
} from "./ConfirmForms";
import { EscrowCard } from "./EscrowCard";
import { EvidenceDownload } from "./EvidenceDownload";
import { ResultEntry } from "./ResultEntry";
import { SettlementNote } from "./SettlementNote";
import { ShowClaim } from "./ShowClaim";
import { SigningPanel } from "./SigningPanel";
import { useBoutFlow, type BoutFlow } from "./useBoutFlow";
import { WithdrawBout } from "./WithdrawBout";

/** Statuses in which the service takes payout prepares (it checks again, of course). */
function inPayoutPhase(bout: BoutView): boolean {
  return (
    bout.status === "result_entered" ||
    bout.status === "payouts_in_progress" ||
    (bout.status === "closed" && bout.refund_pending)
  );
}

/** The show escrow a signed-in fighter of this bout may claim: their own. */
function ownShowKind(bout: BoutView, user: UserOut | null): ShowKind | null {
  if (user?.role !== "fighter") return null;
  if (user.user_id === bout.fighter_a_user_id) return "show_a";
  if (user.user_id === bout.fighter_b_user_id) return "show_b";
  return null;
}

/**
 * The sign request's status as the bout view knows it; null when the view's newest request of
 * the escrow is another one (prepared again elsewhere, in another tab or on another device).
 */
function signingStatusOf(escrow: EscrowView, payloadId: string): SigningStatus | null {
  if (!escrow.signing) return "open";
  return escrow.signing.payload_id === payloadId ? escrow.signing.status : null;
}

export function BoutDetail({ boutId }: { boutId: string }) {
  const { user, meta } = useSession();
  const flow = useBoutFlow(boutId);
  const { byId } = useFighters();
  const [announcement, setAnnouncement] = useState<Settled | null>(null);
  const prepare = useAction();
  const { bout, loadError, reload } = flow;

  const announce = useCallback(
    (message: Settled | null) => {
      if (message) setAnnouncement(message);
      void reload();
    },
    [reload],
  );

  if (!bout) {
    return (
      <section className="panel" aria-labelledby="bout-title">
        <h1 id="bout-title" tabIndex={-1}>
          Bout
        </h1>
        {loadError ? <ErrorNotice error={loadError} /> : <p aria-busy="true">Loading…</p>}
        <p>
          <a href={hrefFor({ name: "bouts" })}>Back to bouts</a>
        </p>
      </section>
    );
  }

  const isOwner = user?.role === "promoter" && user.user_id === bout.promoter_user_id;
  const isAdmin = user?.role === "admin";
  const ownShow = ownShowKind(bout, user);
  const names: Record<Corner, string> = {
    A: fighterName(bout.fighter_a_user_id, byId, user?.user_id),
    B: fighterName(bout.fighter_b_user_id, byId, user?.user_id),
  };
  const stubSigning = meta?.xaman_mode !== "api";
  const stubLedger = meta?.xrpl_mode !== "rpc";
  const outcome = outcomeOf(bout);
  const escrows = ESCROW_KINDS.map((kind) =>
    bout.escrows.find((item) => item.escrow_kind === kind),
  ).filter((item): item is EscrowView => item !== undefined);

  async function runPrepare(phase: Phase) {
    setAnnouncement(null);
    const answer = await prepare.run(() =>
      phase === "escrows" ? flow.prepareEscrows() : flow.preparePayouts(),
    );
    if (answer) {
      const count = answer.escrows.length;
      setAnnouncement({
        text: `${count} sign request${count === 1 ? "" : "s"} ready. Scan each QR code with Xaman.`,
      });
    }
  }

  return (
    <div className="bout-page">
      <section className="panel" aria-labelledby="bout-title">
        <p className="breadcrumb">
          <a href={hrefFor({ name: "bouts" })}>Bouts</a> /
        </p>
        <div className="heading-row">
          <h1 id="bout-title" tabIndex={-1}>
            {bout.title || "Untitled bout"}
          </h1>
          <BoutStatusBadge status={bout.status} />
        </div>
        <AnomalyWarning anomalies={bout.anomalies} />
        <p className="versus">
          <span>A: {names.A}</span> <span className="muted">vs</span> <span>B: {names.B}</span>
        </p>
        <Progress bout={bout} />
        <dl className="facts">
          <dt>Event</dt>
          <dd>
            <TimeInfo date={new Date(bout.event_datetime_utc)} />
          </dd>
          <dt>{bout.status === "withdrawn" ? "Purses (never locked)" : "Total locked"}</dt>
          <dd data-bout-total="true">{boutTotalText(bout)}</dd>
          {bout.token ? <TokenFacts token={bout.token} stubLedger={stubLedger} /> : null}
          <dt>Promoter address</dt>
          <dd className="mono small">{bout.promoter_xrpl_address}</dd>
          {outcome ? (
            <>
              <dt>Result</dt>
              <dd data-outcome={outcome}>{outcomeText(outcome, names)}</dd>
            </>
          ) : null}
        </dl>
        {bout.status === "withdrawn" ? (
          <p className="notice notice-info" data-withdrawn="true">
            Withdrawn: this bout was called off before any money was locked. Its sign requests were
            withdrawn, and nothing can change it now.
          </p>
        ) : null}
        <SettlementNote bout={bout} names={names} />
        <div role="status" aria-live="polite">
          {announcement ? (
            <p className="notice notice-success">
              <span>{announcement.text}</span>
              {announcement.txHash ? (
                <>
                  {" "}
                  <span className="announced-tx">
                    Transaction: <TxHash hash={announcement.txHash} />
                  </span>
                </>
              ) : null}
            </p>
          ) : null}
        </div>
        {isOwner ? (
          <OwnerActions
            bout={bout}
            busy={prepare.busy}
            onPrepare={runPrepare}
            stubSigning={stubSigning}
          />
        ) : null}
        <ErrorNotice error={prepare.error} title="Prepare failed" />
        <div className="button-row">
          <button type="button" onClick={() => void reload()}>
            Reload
          </button>
        </div>
      </section>

      {isAdmin && bout.status === "escrows_created" ? (
        <ResultEntry bout={bout} names={names} onEntered={(text) => announce({ text })} />
      ) : null}

      <section aria-labelledby="escrows-title">
        <h2 id="escrows-title" className="section-title">
          Escrows
        </h2>
        <div className="escrow-grid">
          {escrows.map((escrow) => (
            <EscrowCard
              key={escrow.escrow_kind}
              escrow={escrow}
              destinationName={names[corner(escrow.escrow_kind)]}
              anomaly={bout.anomalies.find((item) => item.escrow_kind === escrow.escrow_kind)}
            >
              {isOwner ? (
                <EscrowWork
                  bout={bout}
                  escrow={escrow}
                  flow={flow}
                  stubSigning={stubSigning}
                  stubLedger={stubLedger}
                  onSettled={announce}
                />
              ) : null}
              {ownShow !== null && escrow.escrow_kind === ownShow ? (
                <ShowClaim
                  bout={bout}
                  escrow={escrow}
                  claimed={flow.claimPhase.prepared.find((item) => item.escrow_kind === ownShow)}
                  claim={() => flow.claim(ownShow)}
                  onClaimed={(text) => setAnnouncement({ text })}
                />
              ) : null}
            </EscrowCard>
          ))}
        </div>
      </section>

      {isOwner && bout.status === "draft" ? (
        <WithdrawBout
          bout={bout}
          withdraw={async () => {
            await flow.withdraw();
            setAnnouncement({
              text: "The bout is withdrawn. Its sign requests were withdrawn; no money was locked.",
            });
            // The section that held the focus is gone: continue from the page's heading.
            document.getElementById("bout-title")?.focus();
          }}
        />
      ) : null}

      {isAdmin ? <EvidenceDownload boutId={bout.bout_id} /> : null}
      {isAdmin || isOwner ? <AuditTimeline boutId={bout.bout_id} version={flow.version} /> : null}
    </div>
  );
}

/** A token bout's token and the issuer's transfer fee, as escrow prepare read it. */
function TokenFacts({ token, stubLedger }: { token: TokenView; stubLedger: boolean }) {
  const rate = token.transfer_rate;
  return (
    <>
      <dt>Paid in</dt>
      <dd>
        <TokenName token={token} />
      </dd>
      <dt>Transfer fee</dt>
      <dd data-transfer-fee={rate ?? "unknown"}>
        {transferFeeText(rate)}
        {rate === null ? (
          <span className="small muted">
            {" "}
            {stubLedger
              ? "(with a stub ledger the service reads no rate; the amounts below are what is locked)"
              : "(escrow prepare reads it from the issuer's account)"}
          </span>
        ) : (
          <span className="small muted"> (TransferRate {rate}, read at escrow prepare)</span>
        )}
      </dd>
    </>
  );
}

function Progress({ bout }: { bout: BoutView }) {
  const steps = bout.status === "withdrawn" ? WITHDRAWN_PATH : BOUT_LIFECYCLE;
  const reached = steps.indexOf(bout.status);
  return (
    <ol className="progress" aria-label="Bout progress">
      {steps.map((status, index) => (
        <li
          key={status}
          className={index < reached ? "done" : index === reached ? "current" : "todo"}
          aria-current={index === reached ? "step" : undefined}
        >
          {BOUT_STATUS_LABELS[status]}
        </li>
      ))}
    </ol>
  );
}

function OwnerActions(props: {
  bout: BoutView;
  busy: boolean;
  stubSigning: boolean;
  onPrepare: (phase: Phase) => Promise<void>;
}) {
  const { bout, busy, onPrepare, stubSigning } = props;
  const hint = stubSigning
    ? "Stub signing: report each outcome with the buttons under its QR code."
    : "Scan each QR code with Xaman; the page follows the outcome.";
  if (bout.status === "draft") {
    const prepared = bout.escrows.some((escrow) => escrow.signing !== null);
    return (
      <div className="phase-actions">
        <p>
          Lock the four purses on the XRP Ledger: prepare the EscrowCreate transactions and sign
          them in Xaman. {hint}
        </p>
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => void onPrepare("escrows")}
        >
          {busy ? "Preparing…" : prepared ? "Prepare again" : "Prepare escrows"}
        </button>
      </div>
    );
  }
  if (inPayoutPhase(bout)) {
    return (
      <div className="phase-actions">
        <p>
          {payoutInstruction(bout)} {hint}
        </p>
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => void onPrepare("payouts")}
        >
          {busy ? "Preparing…" : "Prepare payouts"}
        </button>
      </div>
    );
  }
  if (bout.status === "escrows_created") {
    return <p className="muted">All four escrows are on the ledger. Waiting for the result.</p>;
  }
  return null;
}

/** What the owner does in the payout phase, for this bout's outcome. */
export function payoutInstruction(bout: BoutView): string {
  const outcome = outcomeOf(bout);
  if (!outcome) return "";
  if (bout.status === "closed") {
    const pending = pendingRefunds(bout);
    const them = pending.length >= 2 ? "them" : "it";
    return `The fighters are paid. Take back ${bonusesInWords(pending)}: prepare the EscrowCancel${pending.length >= 2 ? "s" : ""}, sign ${them} in Xaman once CancelAfter has passed, and confirm.`;
  }
  const winner = winnerOf(outcome);
  const refunded = bonusesInWords(refundedBonuses(outcome));
  const finished = winner
    ? `both show escrows and fighter ${winner}'s bonus to the fighters`
    : "both show escrows to the fighters";
  return `Release the purses: finish ${finished}; cancel ${refunded} back to you after CancelAfter.`;
}

interface WorkProps {
  bout: BoutView;
  escrow: EscrowView;
  flow: BoutFlow;
  stubSigning: boolean;
  stubLedger: boolean;
  onSettled: OnSettled;
}

/** The owner's signing and confirm steps for one escrow, in whichever phase is open. */
function EscrowWork(props: WorkProps) {
  const { bout, escrow } = props;
  if (bout.status === "draft" && escrow.status === "planned") {
    const prepared = props.flow.escrowPhase.prepared.find(
      (item) => item.escrow_kind === escrow.escrow_kind,
    );
    return prepared ? <CreateWork {...props} prepared={prepared} /> : null;
  }
  if (inPayoutPhase(bout) && escrow.status === "created") {
    const prepared = props.flow.payoutPhase.prepared.find(
      (item) => item.escrow_kind === escrow.escrow_kind,
    );
    return prepared ? <PayoutWork {...props} prepared={prepared} /> : null;
  }
  return null;
}

function NewerRequest() {
  return (
    <p className="notice notice-info" data-newer-request="true">
      A newer sign request exists for this escrow. Prepare again on this page to see it.
    </p>
  );
}

function CreateWork({
  bout,
  escrow,
  flow,
  stubSigning,
  stubLedger,
  onSettled,
  prepared,
}: WorkProps & { prepared: PreparedEscrow }) {
  const { api } = useSession();
  const request = prepared.xaman_sign_request;
  const status = signingStatusOf(escrow, request.payload_id);
  if (status === null) return <NewerRequest />;
  const signedHash = flow.escrowPhase.signedHashes[request.payload_id] ?? null;
  const kind: EscrowKind = escrow.escrow_kind;
  const done = (answer: { offer_sequence: number; tx_hash: string }): Settled => ({
    text: `Escrow ${kind} is created on the ledger (offer sequence ${answer.offer_sequence}).`,
    txHash: answer.tx_hash,
  });
  return (
    <div className="work" key={request.payload_id}>
      <SigningPanel
        request={request}
        status={status}
        stub={stubSigning}
        reconcile={(observed) => flow.reconcile("escrows", kind, request.payload_id, observed)}
        signedHash={signedHash}
      />
      {status === "superseded" ? null : stubLedger ? (
        <EscrowEvidenceForm
          key={`${request.payload_id}-${signedHash ?? ""}`}
          prepared={prepared}
          escrowAmount={escrow.amount}
          signedHash={signedHash}
          onSettled={onSettled}
          submit={async (body, key) => done(await api.confirmEscrow(bout.bout_id, body, key))}
        />
      ) : (
        <HashConfirmForm
          key={`${request.payload_id}-${signedHash ?? ""}`}
          kind={kind}
          initialHash={signedHash ?? ""}
          title="Confirm the escrow on the ledger"
          buttonLabel="Confirm escrow created"
          onSettled={onSettled}
          submit={async (body, key) => done(await api.confirmEscrow(bout.bout_id, body, key))}
        />
      )}
    </div>
  );
}

function PayoutWork({
  bout,
  escrow,
  flow,
  stubSigning,
  stubLedger,
  onSettled,
  prepared,
}: WorkProps & { prepared: PreparedPayout }) {
  const { api } = useSession();
  const request = prepared.xaman_sign_request;
  const status = signingStatusOf(escrow, request.payload_id);
  if (status === null) return <NewerRequest />;
  const signedHash = flow.payoutPhase.signedHashes[request.payload_id] ?? null;
  const kind = escrow.escrow_kind;
  const isCancel = prepared.action === "cancel";
  const done = (answer: {
    escrow_status: string;
    bout_status: string;
    tx_hash: string;
  }): Settled => ({
    text: `Escrow ${kind} is ${answer.escrow_status === "cancelled" ? "refunded to the promoter" : "paid out"}; the bout is ${answer.bout_status.replace(/_/g, " ")}.`,
    txHash: answer.tx_hash,
  });
  return (
    <div className="work" key={request.payload_id}>
      <p className="action-line">
        <strong>
          {isCancel ? "EscrowCancel: refund to the promoter" : "EscrowFinish: pay the fighter"}
        </strong>
        <br />
        <span className="small">
          Valid on the ledger after <TimeInfo date={new Date(prepared.not_before_utc)} />
        </span>
      </p>
      <SigningPanel
        request={request}
        status={status}
        stub={stubSigning}
        reconcile={(observed) => flow.reconcile("payouts", kind, request.payload_id, observed)}
        signedHash={signedHash}
      />
      {status === "superseded" ? null : stubLedger ? (
        <PayoutEvidenceForm
          key={`${request.payload_id}-${signedHash ?? ""}`}
          prepared={prepared}
          escrow={escrow}
          signedHash={signedHash}
          onSettled={onSettled}
          submit={async (body, key) => done(await api.confirmPayout(bout.bout_id, body, key))}
        />
      ) : (
        <HashConfirmForm
          key={`${request.payload_id}-${signedHash ?? ""}`}
          kind={kind}
          initialHash={signedHash ?? ""}
          title={isCancel ? "Confirm the refund on the ledger" : "Confirm the payout on the ledger"}
          buttonLabel={isCancel ? "Confirm refund" : "Confirm payout"}
          onSettled={onSettled}
          submit={async (body, key) => done(await api.confirmPayout(bout.bout_id, body, key))}
        />
      )}
    </div>
  );
}
