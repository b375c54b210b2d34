"""Judging ledger evidence: result classes, fields and timing (PRODUCT.md, INTEGRATIONS.md §3).

Pure functions: they take what the ledger says and what was prepared, and return the failure
(code + reason) or None. Shared by the stub and the JSON-RPC verifier.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from ringledger.bouts.conditions import same_hex
from ringledger.bouts.models import Escrow
from ringledger.ledger.interface import LedgerTx

# Words a stub "ledger answer" uses to say the promoter declined in the wallet (API.md).
DECLINED_RESULTS = frozenset(
    {"declined", "signing_declined", "user_declined", "cancelled", "canceled"}
)
SUCCESS = "tesSUCCESS"


class FailureCode(StrEnum):
    SIGNING_DECLINED = "signing_declined"
    SIGNING_EXPIRED = "signing_expired"
    CONFIRMATION_TIMEOUT = "confirmation_timeout"
    LEDGER_TEC_TEM = "ledger_tec_tem"
    INVALID_CONFIRMATION = "invalid_confirmation"


class PayoutAction(StrEnum):
    FINISH = "finish"
    CANCEL = "cancel"

    @property
    def transaction_type(self) -> str:
        return "EscrowFinish" if self is PayoutAction.FINISH else "EscrowCancel"


@dataclass(frozen=True)
class Failure:
    code: FailureCode
    reason: str


def result_failure(tx: LedgerTx) -> Failure | None:
    """Classify the result in API.md's order: declined, not validated, tec/tem, anything else."""
    result = (tx.engine_result or "").strip()
    if result.lower() in DECLINED_RESULTS:
        return Failure(FailureCode.SIGNING_DECLINED, "The promoter declined to sign.")
    if not tx.found:
        return Failure(FailureCode.CONFIRMATION_TIMEOUT, "The transaction is not on the ledger.")
    if not tx.validated:
        return Failure(FailureCode.CONFIRMATION_TIMEOUT, "The transaction is not validated yet.")
    if result[:3].lower() in ("tec", "tem"):
        return Failure(FailureCode.LEDGER_TEC_TEM, f"The ledger rejected it with {_short(result)}.")
    if result != SUCCESS:
        return Failure(
            FailureCode.INVALID_CONFIRMATION,
            f"The result {_short(result) or '(none)'} is not tesSUCCESS.",
        )
    return None


def create_failure(tx: LedgerTx, escrow: Escrow) -> Failure | None:
    """A validated EscrowCreate must carry exactly what was prepared, and a sequence."""
    mismatched = [
        name
        for name, seen, wanted in (
            ("transaction_type", tx.transaction_type, "EscrowCreate"),
            ("owner_address", tx.account, escrow.owner_address),
            ("destination_address", tx.destination, escrow.destination_address),
            ("amount_drops", tx.amount_drops, escrow.amount_drops),
            ("finish_after_ripple", tx.finish_after, escrow.finish_after_ripple),
            ("cancel_after_ripple", tx.cancel_after, escrow.cancel_after_ripple),
        )
        if seen != wanted
    ]
    if not same_hex(tx.condition_hex, escrow.condition_hex):
        mismatched.append("condition_hex")
    if tx.sequence is None:
        mismatched.append("offer_sequence")
    return _mismatch(mismatched)


def payout_failure(
    tx: LedgerTx, escrow: Escrow, *, action: PayoutAction, fulfillment_hex: str | None
) -> Failure | None:
    """A validated finish/cancel must settle this escrow, at a valid ledger time."""
    mismatched = [
        name
        for name, seen, wanted in (
            ("transaction_type", tx.transaction_type, action.transaction_type),
            ("owner_address", tx.owner, escrow.owner_address),
            ("offer_sequence", tx.offer_sequence, escrow.offer_sequence),
        )
        if seen != wanted
    ]
    if not same_hex(tx.fulfillment_hex or None, fulfillment_hex):
        mismatched.append("fulfillment_hex")
    failure = _mismatch(mismatched)
    return failure or _timing_failure(tx.close_time, escrow, action)


def _timing_failure(close_time: int | None, escrow: Escrow, action: PayoutAction) -> Failure | None:
    # rippled Escrow.cpp: a finish needs close time > FinishAfter and not > CancelAfter; a cancel
    # needs close time > CancelAfter. Compared with the ledger's clock, never the server's.
    if close_time is None:
        return _invalid("The ledger close time is missing.")
    if action is PayoutAction.CANCEL:
        assert escrow.cancel_after_ripple is not None
        if close_time <= escrow.cancel_after_ripple:
            return _invalid("The ledger closed before CancelAfter had passed.")
        return None
    if close_time <= escrow.finish_after_ripple:
        return _invalid("The ledger closed before FinishAfter had passed.")
    if escrow.cancel_after_ripple is not None and close_time > escrow.cancel_after_ripple:
        return _invalid("The ledger closed after CancelAfter; the escrow could no longer finish.")
    return None


# The confirm request's name for each ledger field, so a reason speaks the client's language.
_REQUEST_NAMES = {
    "account": "owner_address",
    "owner": "owner_address",
    "destination": "destination_address",
    "finish_after": "finish_after_ripple",
    "cancel_after": "cancel_after_ripple",
    "sequence": "offer_sequence",
    "close_time": "close_time_ripple",
}


def disagreements(claimed: LedgerTx, observed: LedgerTx) -> Failure | None:
    """Fields the client sent must agree with the ledger (rpc mode: nothing claimed is trusted)."""
    differing = [
        _REQUEST_NAMES.get(field.name, field.name)
        for field in fields(LedgerTx)
        if field.name not in ("tx_hash", "found")
        and (value := getattr(claimed, field.name)) is not None
        and not _same(value, getattr(observed, field.name))
    ]
    if not differing:
        return None
    return _invalid(f"The request disagrees with the ledger on: {', '.join(differing)}.")


def _same(left: object, right: object) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.upper() == right.upper()
    return left == right


def _mismatch(names: list[str]) -> Failure | None:
    if not names:
        return None
    return _invalid(f"The transaction does not match what was prepared: {', '.join(names)}.")


def _invalid(reason: str) -> Failure:
    return Failure(FailureCode.INVALID_CONFIRMATION, reason)


def _short(text: str) -> str:
    """Echo at most a short token of client-supplied text back (never a whole field)."""
    return text[:40]
