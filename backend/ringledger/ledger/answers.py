"""Reading a node's JSON-RPC `result`: typed fields, errors, transactions and amounts
(docs/xrpl-and-xaman.md#reading-the-ledger-tx-and-server_info).

Pure functions over the decoded JSON. Anything that is not what the documented method returns
raises `BadAnswer`; a JSON-RPC error other than the one a caller expects raises `NodeRefused`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from ringledger.core.timeutil import to_ripple
from ringledger.ledger.interface import LedgerTx, TokenAmount, TokenDelta

T = TypeVar("T")

TX_HASH = re.compile(r"[0-9A-Fa-f]{64}")
_DROPS = re.compile(r"[0-9]{1,20}")
# The ledger's decimal text for token values: digits, an optional fraction, an optional exponent
# ("1e2" and "100" are the same value; a balance may be negative).
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
# A currency code is three characters (ISO-like, never "XRP" for a token) or 40 hex digits.
_CURRENCY_CODE = re.compile(r"[A-Za-z0-9?!@#$%^&*<>(){}\[\]|]{3}")
_CURRENCY_HEX = re.compile(r"[0-9A-Fa-f]{40}")
_PRINTABLE = re.compile(r"[^A-Za-z0-9_]")


class BadAnswer(Exception):
    """The node answered, but not with the documented result of the method asked."""


class NodeRefused(BadAnswer):
    """The node answered with a JSON-RPC error (busy, not synced, …) instead of a result."""


def is_error(result: dict[str, Any], names: Collection[str], codes: Collection[int] = ()) -> bool:
    """The result is one of these JSON-RPC errors (by name, or by its numeric code)."""
    error = result.get("error")
    if error is None:
        return False
    return error in names or result.get("error_code") in codes


def refuse_errors(result: dict[str, Any]) -> None:
    """Any JSON-RPC error left after the expected ones were handled: the node refused."""
    error = result.get("error")
    if error is not None:
        raise NodeRefused(_PRINTABLE.sub("", str(error))[:40])


def require_validated(result: dict[str, Any]) -> None:
    """State read from "validated" must say so: anything else could still change."""
    if optional(result, "validated", bool) is not True:
        raise BadAnswer("the answer does not come from a validated ledger")


def ledger_tx(tx_hash: str, result: dict[str, Any], tx: dict[str, Any]) -> LedgerTx:
    """A transaction of a `tx` result or an `account_tx` item (`result` holds meta/validated)."""
    validated = optional(result, "validated", bool) or False
    tx_amount = tx.get("Amount")
    return LedgerTx(
        tx_hash=tx_hash,
        found=True,
        validated=validated,
        engine_result=_engine_result(result, validated),
        transaction_type=required(tx, "TransactionType", str),
        account=optional(tx, "Account", str),
        owner=optional(tx, "Owner", str),
        destination=optional(tx, "Destination", str),
        amount_drops=_drops(tx_amount),
        amount_token=_token_or_other(tx_amount),
        finish_after=optional(tx, "FinishAfter", int),
        cancel_after=optional(tx, "CancelAfter", int),
        condition_hex=upper(optional(tx, "Condition", str)),
        fulfillment_hex=upper(optional(tx, "Fulfillment", str)),
        offer_sequence=optional(tx, "OfferSequence", int),
        sequence=_sequence(tx),
        close_time=_close_time(result, tx),
        # The create's ledger is where the watch searches the owner's history from.
        ledger_index=first_int(result, tx, "ledger_index"),
        token_deltas=token_deltas(result.get("meta")),
    )


def token_deltas(meta: Any) -> tuple[TokenDelta, ...]:
    """The trust-line balance changes in a transaction's metadata, for each party of each line.

    A RippleState's `Balance` is written from its low account's side (positive: the low account
    holds the token the high account issues), so a change of it is +delta for the low account
    and -delta for the high one (XRPL docs, "RippleState"). Metadata is information here, never
    a reason to refuse an answer: a node it cannot read is skipped.
    """
    nodes = meta.get("AffectedNodes") if isinstance(meta, dict) else None
    found: list[TokenDelta] = []
    for node in nodes if isinstance(nodes, list) else ():
        change = _line_change(node)
        if change is not None:
            low, high, currency_code, delta = change
            found.append(TokenDelta(low, currency_code, high, _signed(delta)))
            found.append(TokenDelta(high, currency_code, low, _signed(-delta)))
    return tuple(found)


def _line_change(node: Any) -> tuple[str, str, str, Decimal] | None:
    """(low account, high account, currency, change of Balance) of a RippleState node."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    [(kind, entry)] = node.items()
    if not isinstance(entry, dict) or entry.get("LedgerEntryType") != "RippleState":
        return None
    fields: Any = entry.get("NewFields") if kind == "CreatedNode" else entry.get("FinalFields")
    previous: Any = (entry.get("PreviousFields") or {}).get("Balance")
    if kind == "CreatedNode":
        previous = {"value": "0"}
    try:
        after, before = Decimal(fields["Balance"]["value"]), Decimal(previous["value"])
        low, high = fields["LowLimit"]["issuer"], fields["HighLimit"]["issuer"]
        code = fields["Balance"]["currency"]
    except (KeyError, TypeError, AttributeError, InvalidOperation):
        return None
    if not (after.is_finite() and before.is_finite()):
        return None
    if not (isinstance(low, str) and isinstance(high, str) and isinstance(code, str)):
        return None
    return low, high, code, after - before


def _signed(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _engine_result(result: dict[str, Any], validated: bool) -> str | None:
    """meta.TransactionResult; a validated transaction without one is not a real answer."""
    meta = result.get("meta")
    if meta is None and not validated:
        return None
    if not isinstance(meta, dict):
        raise BadAnswer("meta is missing or not an object")
    engine_result = meta.get("TransactionResult")
    if engine_result is None and not validated:
        return None
    if not isinstance(engine_result, str):
        raise BadAnswer("meta.TransactionResult is missing or not a string")
    return engine_result


def _close_time(result: dict[str, Any], tx: dict[str, Any]) -> int | None:
    """`date` of the ledger holding it; some servers repeat it inside tx_json, and an
    `account_tx` item of api_version 2 may only give `close_time_iso`
    (docs/xrpl-and-xaman.md#the-answer-and-the-fields-the-code-reads)."""
    date = first_int(result, tx, "date")
    if date is not None:
        return date
    iso = optional(result, "close_time_iso", str)
    return None if iso is None else _ripple_seconds(iso)


def _ripple_seconds(iso: str) -> int:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        raise BadAnswer("close_time_iso is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise BadAnswer("close_time_iso has no time zone")
    return to_ripple(moment)


def first_int(result: dict[str, Any], tx: dict[str, Any], key: str) -> int | None:
    """The field at the result's top level, else inside the transaction."""
    top = optional(result, key, int)
    return top if top is not None else optional(tx, key, int)


def _sequence(tx: dict[str, Any]) -> int | None:
    """Sequence, or TicketSequence when the transaction used a ticket (Sequence 0)."""
    sequence = optional(tx, "Sequence", int)
    if sequence:
        return sequence
    return optional(tx, "TicketSequence", int)


def _drops(amount: Any) -> int | None:
    """XRP drops from a decimal string; an amount object is no XRP amount (None)."""
    if amount is None or isinstance(amount, dict):
        return None
    if isinstance(amount, str) and _DROPS.fullmatch(amount):
        return int(amount)
    raise BadAnswer("Amount is neither drops nor an amount object")


def _token_or_other(amount: Any) -> TokenAmount | None:
    """A trust-line token; other amount objects (an MPT's) are no token this service uses."""
    if not isinstance(amount, dict) or "mpt_issuance_id" in amount:
        return None
    return token_amount(amount)


def amount(value: Any) -> str | TokenAmount:
    """An Amount field of ledger state: XRP drops (digits) or a trust-line token object."""
    if isinstance(value, str) and _DROPS.fullmatch(value):
        return value
    if isinstance(value, dict):
        return token_amount(value)
    raise BadAnswer("Amount is neither drops nor a token amount")


def token_amount(document: dict[str, Any]) -> TokenAmount:
    """`{currency, issuer, value}` with a currency code, an address and decimal text."""
    return TokenAmount(
        currency=currency(required(document, "currency", str)),
        issuer=required(document, "issuer", str),
        value=decimal_text(required(document, "value", str), "Amount.value"),
    )


def currency(code: str) -> str:
    """As the ledger wrote it; only the 40-hex-digit form is upper-cased."""
    if _CURRENCY_HEX.fullmatch(code):
        return code.upper()
    if _CURRENCY_CODE.fullmatch(code) and code != "XRP":
        return code
    raise BadAnswer("currency is neither a three-character code nor 40 hex digits")


def decimal_text(text: str, name: str) -> str:
    """The ledger's decimal text, kept as written (never turned into a float)."""
    if not _DECIMAL.fullmatch(text):
        raise BadAnswer(f"{name} is not a decimal number")
    return text


def upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


def required(document: dict[str, Any], key: str, kind: type[T]) -> T:
    value = optional(document, key, kind)
    if value is None:
        raise BadAnswer(f"{key} is missing")
    return value


def optional(document: dict[str, Any], key: str, kind: type[T]) -> T | None:
    """The field when present and of `kind` (a JSON bool is never a number); absent is None."""
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadAnswer(f"{key} is not a {kind.__name__}")
    return value


def object_at(document: dict[str, Any], key: str) -> dict[str, Any]:
    """A member that must be a JSON object."""
    value = document.get(key)
    if not isinstance(value, dict):
        raise BadAnswer(f"{key} is missing or not an object")
    return value


def list_at(document: dict[str, Any], key: str) -> list[Any]:
    """A member that must be a JSON array."""
    value = document.get(key)
    if not isinstance(value, list):
        raise BadAnswer(f"{key} is missing or not a list")
    return value
