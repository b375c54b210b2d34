/**
 * The confirm step. XRPL_MODE=stub: the ledger's answer is typed in (pre-filled from the
 * prepared transaction). XRPL_MODE=rpc: only the transaction hash; the service reads the ledger.
 * Every submit is a new attempt with a new Idempotency-Key.
 */

import { useId, useState } from "react";
import type { FormEvent, ReactNode } from "react";
import type {
  EscrowConfirmRequest,
  EscrowKind,
  EscrowView,
  LedgerAmountValue,
  PayoutConfirmRequest,
  PreparedEscrow,
  PreparedPayout,
  TokenAmount,
} from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useAction } from "../../components/useAction";
import {
  buildEscrowConfirm,
  buildPayoutConfirm,
  escrowEvidenceDefaults,
  hashOnlyConfirm,
  payoutEvidenceDefaults,
  type EscrowEvidenceForm,
  type PayoutEvidenceForm,
} from "../../lib/evidence";
import { newIdempotencyKey, randomOfferSequence, randomTxHash } from "../../lib/random";
import { EngineResultField, TextEvidence, ValidatedField } from "./EvidenceFields";

/** What a confirm that went through says: a sentence, and the transaction it confirmed. */
export interface Settled {
  text: string;
  txHash?: string | null;
}

/** Sends one attempt; the caller reloads the bout whatever the outcome. */
export type Submit<B> = (body: B, idempotencyKey: string) => Promise<Settled>;
export type OnSettled = (message: Settled | null) => void;

function useConfirm<B>(submit: Submit<B>, onSettled: OnSettled) {
  const action = useAction();
  const [problems, setProblems] = useState<string[]>([]);

  async function attempt(built: { ok: true; body: B } | { ok: false; problems: string[] }) {
    if (!built.ok) {
      setProblems(built.problems);
      return;
    }
    setProblems([]);
    let message: Settled | null = null;
    await action.run(async () => {
      try {
        message = await submit(built.body, newIdempotencyKey());
      } finally {
        onSettled(message);
      }
    });
  }

  return { ...action, problems, attempt };
}

function Problems({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">Check these fields:</p>
      <ul>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}

function ConfirmShell(props: {
  title: string;
  onSubmit: (event: FormEvent) => void;
  busy: boolean;
  error: unknown;
  problems: string[];
  buttonLabel: string;
  children: ReactNode;
}) {
  const titleId = useId();
  return (
    <form className="confirm" onSubmit={props.onSubmit} noValidate aria-labelledby={titleId}>
      <h4 id={titleId}>{props.title}</h4>
      {props.children}
      <Problems problems={props.problems} />
      <ErrorNotice error={props.error} title="The confirmation was rejected" />
      <button type="submit" className="primary" disabled={props.busy}>
        {props.busy ? "Confirming…" : props.buttonLabel}
      </button>
    </form>
  );
}

interface HashOnlyProps {
  kind: EscrowKind;
  initialHash: string;
  title: string;
  buttonLabel: string;
  submit: Submit<{ escrow_kind: EscrowKind; tx_hash: string }>;
  onSettled: OnSettled;
}

/** rpc mode: the hash of the validated transaction is all the service needs. */
export function HashConfirmForm({
  kind,
  initialHash,
  title,
  buttonLabel,
  submit,
  onSettled,
}: HashOnlyProps) {
  const [txHash, setTxHash] = useState(initialHash);
  const confirm = useConfirm(submit, onSettled);
  return (
    <ConfirmShell
      title={title}
      buttonLabel={buttonLabel}
      busy={confirm.busy}
      error={confirm.error}
      problems={confirm.problems}
      onSubmit={(event) => {
        event.preventDefault();
        void confirm.attempt({ ok: true, body: hashOnlyConfirm(kind, txHash) });
      }}
    >
      <TextEvidence
        name="tx_hash"
        label="Transaction hash"
        hint="The hash Xaman shows after submitting; the service looks it up on the ledger."
        mono
        value={txHash}
        onChange={setTxHash}
      />
    </ConfirmShell>
  );
}

interface EscrowEvidenceProps {
  prepared: PreparedEscrow;
  /** The escrow's amount as the bout view gives it (a token escrow's amount object). */
  escrowAmount?: LedgerAmountValue;
  signedHash: string | null;
  submit: Submit<EscrowConfirmRequest>;
  onSettled: OnSettled;
}

/** stub mode: the EscrowCreate's ledger evidence, editable. */
export function EscrowEvidenceForm({
  prepared,
  escrowAmount,
  signedHash,
  submit,
  onSettled,
}: EscrowEvidenceProps) {
  const [form, setForm] = useState<EscrowEvidenceForm>(() =>
    escrowEvidenceDefaults(
      prepared,
      signedHash ?? randomTxHash(),
      randomOfferSequence(),
      escrowAmount,
    ),
  );
  const confirm = useConfirm(submit, onSettled);
  const listId = useId();
  const set =
    <K extends keyof EscrowEvidenceForm>(key: K) =>
    (value: EscrowEvidenceForm[K]) =>
      setForm((previous) => ({ ...previous, [key]: value }));

  return (
    <ConfirmShell
      title="Confirm the escrow on the ledger"
      buttonLabel="Confirm escrow created"
      busy={confirm.busy}
      error={confirm.error}
      problems={confirm.problems}
      onSubmit={(event) => {
        event.preventDefault();
        void confirm.attempt(buildEscrowConfirm(prepared.escrow_kind, form));
      }}
    >
      <p className="hint">
        Stub ledger: these fields are the ledger&apos;s answer, taken from the prepared transaction.
        Change them to see how the service rejects bad evidence.
      </p>
      <TextEvidence
        name="tx_hash"
        label="Transaction hash"
        mono
        value={form.tx_hash}
        onChange={set("tx_hash")}
      />
      <div className="pair">
        <TextEvidence
          name="offer_sequence"
          label="Offer sequence"
          numeric
          value={form.offer_sequence}
          onChange={set("offer_sequence")}
        />
        <EngineResultField
          listId={listId}
          value={form.engine_result}
          onChange={set("engine_result")}
        />
      </div>
      <ValidatedField value={form.validated} onChange={set("validated")} />
      <details>
        <summary>More evidence fields</summary>
        <TextEvidence
          name="owner_address"
          label="Owner (Account)"
          mono
          value={form.owner_address}
          onChange={set("owner_address")}
        />
        <TextEvidence
          name="destination_address"
          label="Destination"
          mono
          value={form.destination_address}
          onChange={set("destination_address")}
        />
        {form.token_amount ? (
          <TokenAmountEvidence
            amount={form.token_amount}
            onChange={(amount) => set("token_amount")(amount)}
          />
        ) : (
          <TextEvidence
            name="amount_drops"
            label="Amount (drops)"
            numeric
            value={form.amount_drops}
            onChange={set("amount_drops")}
          />
        )}
        <TextEvidence
          name="finish_after_ripple"
          label="FinishAfter (ripple seconds)"
          numeric
          value={form.finish_after_ripple}
          onChange={set("finish_after_ripple")}
        />
        <TextEvidence
          name="cancel_after_ripple"
          label="CancelAfter (ripple seconds, empty for none)"
          numeric
          value={form.cancel_after_ripple}
          onChange={set("cancel_after_ripple")}
        />
        <TextEvidence
          name="condition_hex"
          label="Condition (hex, empty for none)"
          mono
          value={form.condition_hex}
          onChange={set("condition_hex")}
        />
      </details>
    </ConfirmShell>
  );
}

const TOKEN_AMOUNT_FIELDS: Array<{ field: keyof TokenAmount; label: string; hint?: string }> = [
  {
    field: "value",
    label: "Amount value",
    hint: "In the token's units, as the ledger writes it (plain or exponent form).",
  },
  { field: "currency", label: "Amount currency" },
  { field: "issuer", label: "Amount issuer" },
];

/** A token escrow's Amount as the ledger writes it: the amount object's three fields. */
function TokenAmountEvidence({
  amount,
  onChange,
}: {
  amount: TokenAmount;
  onChange: (amount: TokenAmount) => void;
}) {
  return (
    <fieldset className="token-amount-evidence">
      <legend>Amount (the token amount object)</legend>
      {TOKEN_AMOUNT_FIELDS.map(({ field, label, hint }) => (
        <TextEvidence
          key={field}
          name={`amount_${field}`}
          label={label}
          hint={hint}
          mono
          value={amount[field]}
          onChange={(value) => onChange({ ...amount, [field]: value })}
        />
      ))}
    </fieldset>
  );
}

interface PayoutEvidenceProps {
  prepared: PreparedPayout;
  escrow: EscrowView;
  signedHash: string | null;
  submit: Submit<PayoutConfirmRequest>;
  onSettled: OnSettled;
}

/** stub mode: the EscrowFinish/EscrowCancel's ledger evidence, editable. */
export function PayoutEvidenceForm({
  prepared,
  escrow,
  signedHash,
  submit,
  onSettled,
}: PayoutEvidenceProps) {
  const [form, setForm] = useState<PayoutEvidenceForm>(() =>
    payoutEvidenceDefaults(prepared, escrow, signedHash ?? randomTxHash()),
  );
  const confirm = useConfirm(submit, onSettled);
  const listId = useId();
  const set =
    <K extends keyof PayoutEvidenceForm>(key: K) =>
    (value: PayoutEvidenceForm[K]) =>
      setForm((previous) => ({ ...previous, [key]: value }));
  const verb = prepared.action === "cancel" ? "cancel" : "finish";

  return (
    <ConfirmShell
      title={`Confirm the ${verb} on the ledger`}
      buttonLabel={prepared.action === "cancel" ? "Confirm refund" : "Confirm payout"}
      busy={confirm.busy}
      error={confirm.error}
      problems={confirm.problems}
      onSubmit={(event) => {
        event.preventDefault();
        void confirm.attempt(buildPayoutConfirm(prepared.escrow_kind, form));
      }}
    >
      <p className="hint">
        Stub ledger: the close time is whatever this evidence says (here just after the escrow
        unlocks), so a payout can be tried before the real date.
      </p>
      <TextEvidence
        name="tx_hash"
        label="Transaction hash"
        mono
        value={form.tx_hash}
        onChange={set("tx_hash")}
      />
      <div className="pair">
        <EngineResultField
          listId={listId}
          value={form.engine_result}
          onChange={set("engine_result")}
        />
        <TextEvidence
          name="close_time_ripple"
          label="Ledger close time (ripple seconds)"
          numeric
          value={form.close_time_ripple}
          onChange={set("close_time_ripple")}
        />
      </div>
      <ValidatedField value={form.validated} onChange={set("validated")} />
      <details>
        <summary>More evidence fields</summary>
        <TextEvidence
          name="transaction_type"
          label="Transaction type"
          value={form.transaction_type}
          onChange={set("transaction_type")}
        />
        <TextEvidence
          name="owner_address"
          label="Owner"
          mono
          value={form.owner_address}
          onChange={set("owner_address")}
        />
        <TextEvidence
          name="offer_sequence"
          label="Offer sequence"
          numeric
          value={form.offer_sequence}
          onChange={set("offer_sequence")}
        />
        <TextEvidence
          name="fulfillment_hex"
          label="Fulfillment (hex, empty for none)"
          mono
          value={form.fulfillment_hex}
          onChange={set("fulfillment_hex")}
        />
      </details>
    </ConfirmShell>
  );
}
