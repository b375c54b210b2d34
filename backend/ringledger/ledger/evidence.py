"""Judging ledger evidence: result classes, fields and timing
(docs/xrpl-and-xaman.md#reading-the-ledger-tx-and-server_info).

Pure functions: they take what the ledger says and what was prepared, and return the failure
(code + reason) or None. Shared by the stub and the JSON-RPC verifier.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, fields
from enum import StrEnum

from ringledger.core.tokens import ledger_decimal, same_currency
from ringledger.ledger.interface import LedgerTx, TokenAmount

# Words a stub "ledger answer" uses to say the promoter declined in the wallet (docs/api.md#errors).
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


@dataclass(frozen=True)
class ExpectedCreate:
    """What a validated EscrowCreate must carry: exactly what was prepared (an XRP amount in
    drops, or a token amount)."""

    owner: str
    destination: str
    amount_drops: int | None
    finish_after: int
    cancel_after: int | None
    condition_hex: str | None
    amount_token: TokenAmount | None = None  # a token escrow's (amount_drops is then None)


@dataclass(frozen=True)
class ExpectedPayout:
    """What a validated EscrowFinish/EscrowCancel must be to settle one escrow."""

    action: PayoutAction
    owner: str
    offer_sequence: int | None
    finish_after: int
    cancel_after: int | None
    fulfillment_hex: str | None  # the platform's, for a winner's bonus finish only


def same_hex(left: str | None, right: str | None) -> bool:
    """Case-insensitive, constant-time comparison of two hex strings (None equals only None)."""
    if left is None or right is None:
        return left is None and right is None
    return hmac.compare_digest(left.upper().encode(), right.upper().encode())


def result_failure(tx: LedgerTx) -> Failure | None:
    """Classify the result in the order docs/api.md gives: declined, not validated, tec/tem,
    anything else."""
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


def create_failure(tx: LedgerTx, expected: ExpectedCreate) -> Failure | None:
    """A validated EscrowCreate must carry exactly what was prepared, and a sequence."""
    mismatched = [
        name
        for name, seen, wanted in (
            ("transaction_type", tx.transaction_type, "EscrowCreate"),
            ("owner_address", tx.account, expected.owner),
            ("destination_address", tx.destination, expected.destination),
            ("amount_drops", tx.amount_drops, expected.amount_drops),
            ("finish_after_ripple", tx.finish_after, expected.finish_after),
            ("cancel_after_ripple", tx.cancel_after, expected.cancel_after),
        )
        if seen != wanted
    ]
    if not same_token_amount(tx.amount_token, expected.amount_token):
        mismatched.append("amount")
    if not same_hex(tx.condition_hex, expected.condition_hex):
        mismatched.append("condition_hex")
    if tx.sequence is None:
        mismatched.append("offer_sequence")
    return _mismatch(mismatched)


def payout_failure(
    tx: LedgerTx, expected: ExpectedPayout, *, judge_timing: bool = True
) -> Failure | None:
    """A validated finish/cancel must settle this escrow, at a valid ledger time (judged only
    when `judge_timing`: a node's tesSUCCESS is itself the ledger's verdict on the timing)."""
    mismatched = [
        name
        for name, seen, wanted in (
            ("transaction_type", tx.transaction_type, expected.action.transaction_type),
            ("owner_address", tx.owner, expected.owner),
            ("offer_sequence", tx.offer_sequence, expected.offer_sequence),
        )
        if seen != wanted
    ]
    if not same_hex(tx.fulfillment_hex or None, expected.fulfillment_hex):
        mismatched.append("fulfillment_hex")
    failure = _mismatch(mismatched)
    if failure is None and judge_timing:
        failure = _timing_failure(tx.close_time, expected)
    return failure


def close_failure(tx: LedgerTx, *, owner: str, offer_sequence: int | None) -> Failure | None:
    """A finish or cancel found on the ledger must be one of this escrow (Owner and
    OfferSequence: whoever submitted it, as any account may)."""
    mismatched = [
        name
        for name, seen, wanted in (
            ("owner_address", tx.owner, owner),
            ("offer_sequence", tx.offer_sequence, offer_sequence),
        )
        if seen != wanted
    ]
    if tx.transaction_type not in ("EscrowFinish", "EscrowCancel"):
        mismatched.insert(0, "transaction_type")
    return _mismatch(mismatched)


def _timing_failure(close_time: int | None, expected: ExpectedPayout) -> Failure | None:
    # rippled Escrow.cpp: a finish needs close time > FinishAfter and not > CancelAfter; a cancel
    # needs close time > CancelAfter. Compared with the ledger's clock, never the server's.
    if close_time is None:
        return _invalid("The ledger close time is missing.")
    if expected.action is PayoutAction.CANCEL:
        assert expected.cancel_after is not None
        if close_time <= expected.cancel_after:
            return _invalid("The ledger closed before CancelAfter had passed.")
        return None
    if close_time <= expected.finish_after:
        return _invalid("The ledger closed before FinishAfter had passed.")
    if expected.cancel_after is not None and close_time > expected.cancel_after:
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
    "amount_token": "amount",
}
# What no client claims: the node's own bookkeeping of where and what a transaction moved.
_NEVER_CLAIMED = frozenset({"tx_hash", "found", "ledger_index", "token_deltas"})


def disagreements(claimed: LedgerTx, observed: LedgerTx) -> Failure | None:
    """Fields the client sent must agree with the ledger (rpc mode: nothing claimed is trusted)."""
    differing = [
        _REQUEST_NAMES.get(field.name, field.name)
        for field in fields(LedgerTx)
        if field.name not in _NEVER_CLAIMED
        and (value := getattr(claimed, field.name)) is not None
        and not _same(value, getattr(observed, field.name))
    ]
    if not differing:
        return None
    return _invalid(f"The request disagrees with the ledger on: {', '.join(differing)}.")


def same_token_amount(left: TokenAmount | None, right: TokenAmount | None) -> bool:
    """The same token and the same value as an exact decimal (`"1e2"` is `"100"` is
    `"100.0"`); None equals only None."""
    if left is None or right is None:
        return left is None and right is None
    left_value, right_value = ledger_decimal(left.value), ledger_decimal(right.value)
    return (
        same_currency(left.currency, right.currency)
        and left.issuer == right.issuer
        and left_value is not None
        and left_value == right_value
    )


def _same(left: object, right: object) -> bool:
    if isinstance(left, TokenAmount) or isinstance(right, TokenAmount):
        return same_token_amount(
            left if isinstance(left, TokenAmount) else None,
            right if isinstance(right, TokenAmount) else None,
        )
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
