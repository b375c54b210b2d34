/**
 * Confirm bodies. With XRPL_MODE=stub the console plays the ledger: the evidence form starts
 * from the prepared unsigned transaction and the user may change any field (to try a failure).
 * With XRPL_MODE=rpc the service reads the ledger itself and only the hash is sent.
 */

import type {
  EscrowConfirmRequest,
  EscrowKind,
  EscrowView,
  LedgerAmountValue,
  PayoutConfirmRequest,
  PreparedEscrow,
  PreparedPayout,
  TokenAmount,
} from "../api/client";

/** Seconds after the escrow's time bound at which the stub ledger "closes" the payout. */
export const STUB_CLOSE_TIME_MARGIN_SECONDS = 10;

type UnsignedTx = PreparedEscrow["unsigned_tx"];

/** A field of an unsigned transaction as text ("" when absent or not a string or number). */
export function txField(tx: UnsignedTx, field: string): string {
  const value = tx[field];
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

export interface EscrowEvidenceForm {
  tx_hash: string;
  offer_sequence: string;
  validated: boolean;
  engine_result: string;
  owner_address: string;
  destination_address: string;
  /** An XRP escrow's amount; "" for a token escrow. */
  amount_drops: string;
  /** A token escrow's amount object, sent instead of amount_drops; null for XRP. */
  token_amount: TokenAmount | null;
  finish_after_ripple: string;
  cancel_after_ripple: string;
  condition_hex: string;
}

export interface PayoutEvidenceForm {
  tx_hash: string;
  validated: boolean;
  engine_result: string;
  transaction_type: string;
  owner_address: string;
  offer_sequence: string;
  close_time_ripple: string;
  fulfillment_hex: string;
}

function isTokenAmount(value: unknown): value is TokenAmount {
  if (typeof value !== "object" || value === null) return false;
  const fields = value as Record<string, unknown>;
  return ["currency", "issuer", "value"].every((name) => typeof fields[name] === "string");
}

/**
 * The stub ledger's answer to an EscrowCreate, from the prepared transaction; the amount from
 * the escrow's own `amount` when given (a token escrow's amount object: currency, issuer, value).
 */
export function escrowEvidenceDefaults(
  prepared: PreparedEscrow,
  txHash: string,
  offerSequence: number,
  escrowAmount?: LedgerAmountValue,
): EscrowEvidenceForm {
  const tx = prepared.unsigned_tx;
  const amount = escrowAmount ?? tx.Amount;
  const token = isTokenAmount(amount)
    ? { currency: amount.currency, issuer: amount.issuer, value: amount.value }
    : null;
  return {
    tx_hash: txHash,
    offer_sequence: String(offerSequence),
    validated: true,
    engine_result: "tesSUCCESS",
    owner_address: txField(tx, "Account"),
    destination_address: txField(tx, "Destination"),
    amount_drops: token ? "" : typeof amount === "string" ? amount : txField(tx, "Amount"),
    token_amount: token,
    finish_after_ripple: txField(tx, "FinishAfter"),
    cancel_after_ripple: txField(tx, "CancelAfter"),
    condition_hex: txField(tx, "Condition"),
  };
}

/** The stub ledger closes just after the bound the action waits for (FinishAfter/CancelAfter). */
export function stubCloseTime(prepared: PreparedPayout, escrow: EscrowView): number | null {
  const bound =
    prepared.action === "cancel" ? escrow.cancel_after_ripple : escrow.finish_after_ripple;
  return bound === null ? null : bound + STUB_CLOSE_TIME_MARGIN_SECONDS;
}

export function payoutEvidenceDefaults(
  prepared: PreparedPayout,
  escrow: EscrowView,
  txHash: string,
): PayoutEvidenceForm {
  const tx = prepared.unsigned_tx;
  const closeTime = stubCloseTime(prepared, escrow);
  return {
    tx_hash: txHash,
    validated: true,
    engine_result: "tesSUCCESS",
    transaction_type: txField(tx, "TransactionType"),
    owner_address: txField(tx, "Owner"),
    offer_sequence: txField(tx, "OfferSequence"),
    close_time_ripple: closeTime === null ? "" : String(closeTime),
    fulfillment_hex: txField(tx, "Fulfillment"),
  };
}

export type Built<T> = { ok: true; body: T } | { ok: false; problems: string[] };

class FormReader {
  readonly problems: string[] = [];

  integer(label: string, value: string): number {
    const trimmed = value.trim();
    if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
      this.problems.push(`${label} must be a whole number.`);
      return 0;
    }
    return Number(trimmed);
  }

  optionalInteger(label: string, value: string): number | null {
    return value.trim() === "" ? null : this.integer(label, value);
  }

  optionalText(value: string): string | null {
    const trimmed = value.trim();
    return trimmed === "" ? null : trimmed;
  }
}

export function buildEscrowConfirm(
  kind: EscrowKind,
  form: EscrowEvidenceForm,
): Built<EscrowConfirmRequest> {
  const read = new FormReader();
  const offerSequence = read.integer("Offer sequence", form.offer_sequence);
  const token = form.token_amount;
  // A token escrow's evidence carries the amount object and no amount_drops at all.
  const amount = token
    ? {
        amount: {
          currency: token.currency.trim(),
          issuer: token.issuer.trim(),
          value: token.value.trim(),
        },
      }
    : { amount_drops: read.integer("Amount (drops)", form.amount_drops) };
  const body: EscrowConfirmRequest = {
    escrow_kind: kind,
    tx_hash: form.tx_hash.trim(),
    offer_sequence: offerSequence,
    validated: form.validated,
    engine_result: form.engine_result.trim(),
    owner_address: form.owner_address.trim(),
    destination_address: form.destination_address.trim(),
    ...amount,
    finish_after_ripple: read.integer("FinishAfter", form.finish_after_ripple),
    cancel_after_ripple: read.optionalInteger("CancelAfter", form.cancel_after_ripple),
    condition_hex: read.optionalText(form.condition_hex),
  };
  return read.problems.length ? { ok: false, problems: read.problems } : { ok: true, body };
}

export function buildPayoutConfirm(
  kind: EscrowKind,
  form: PayoutEvidenceForm,
): Built<PayoutConfirmRequest> {
  const read = new FormReader();
  const body: PayoutConfirmRequest = {
    escrow_kind: kind,
    tx_hash: form.tx_hash.trim(),
    validated: form.validated,
    engine_result: form.engine_result.trim(),
    transaction_type: form.transaction_type.trim(),
    owner_address: form.owner_address.trim(),
    offer_sequence: read.integer("Offer sequence", form.offer_sequence),
    close_time_ripple: read.integer("Ledger close time", form.close_time_ripple),
    fulfillment_hex: read.optionalText(form.fulfillment_hex),
  };
  return read.problems.length ? { ok: false, problems: read.problems } : { ok: true, body };
}

/** rpc mode: the ledger is the evidence; the service needs the kind and the hash only. */
export function hashOnlyConfirm(kind: EscrowKind, txHash: string) {
  return { escrow_kind: kind, tx_hash: txHash.trim() };
}
