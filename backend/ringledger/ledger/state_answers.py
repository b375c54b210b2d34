"""Reading the answers of `ledger`, `ledger_entry`, `account_tx`, `account_info` and
`account_lines` (docs/xrpl-and-xaman.md#reading-the-ledgers-state).

Pure functions over a `result` that carries no JSON-RPC error (the caller handled those); a
field missing or of the wrong JSON type raises `BadAnswer`, so a half-read answer never counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ringledger.ledger.answers import (
    TX_HASH,
    BadAnswer,
    amount,
    currency,
    decimal_text,
    ledger_tx,
    list_at,
    object_at,
    optional,
    require_validated,
    required,
    upper,
)
from ringledger.ledger.interface import LedgerTx
from ringledger.ledger.state import (
    AccountInfo,
    AccountTxPage,
    EscrowEntry,
    TrustLine,
    ValidatedLedger,
)

# AccountRoot flag bits, for servers that do not name them in `account_flags` (rippled before
# 1.11, or before the TokenEscrow amendment for allowTrustLineLocking): rippled
# include/xrpl/protocol/LedgerFormats.h, xrpl.org "AccountRoot Flags".
LSF_REQUIRE_AUTH = 0x00040000
LSF_GLOBAL_FREEZE = 0x00400000
LSF_ALLOW_TRUST_LINE_LOCKING = 0x40000000
# account_flags name -> bit of AccountRoot.Flags
_NAMED_FLAGS = {
    "requireAuthorization": LSF_REQUIRE_AUTH,
    "globalFreeze": LSF_GLOBAL_FREEZE,
    "allowTrustLineLocking": LSF_ALLOW_TRUST_LINE_LOCKING,
}
_LINE_FLAGS = (
    "authorized",
    "peer_authorized",
    "freeze",
    "freeze_peer",
    "deep_freeze",
    "deep_freeze_peer",
)


def validated_ledger(result: dict[str, Any]) -> ValidatedLedger:
    """`result.ledger_index` and `result.ledger.close_time`; api_version 1 writes the index
    inside `ledger` as a quoted integer."""
    require_validated(result)
    header = object_at(result, "ledger")
    index = optional(result, "ledger_index", int)
    if index is None:
        index = _ledger_index(header.get("ledger_index"))
    return ValidatedLedger(index=index, close_time=required(header, "close_time", int))


def _ledger_index(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise BadAnswer("ledger_index is missing or not a number")


def escrow_entry(owner: str, sequence: int, result: dict[str, Any]) -> EscrowEntry:
    """`result.node`, which must be the Escrow that `owner` created with `sequence`."""
    require_validated(result)
    node = object_at(result, "node")
    if optional(node, "LedgerEntryType", str) not in (None, "Escrow"):
        raise BadAnswer("the entry is not an Escrow")
    recorded = optional(node, "Sequence", int)  # only on escrows made since fixIncludeKeyletFields
    if required(node, "Account", str) != owner or recorded not in (None, sequence):
        raise BadAnswer("it describes another escrow")
    return EscrowEntry(
        owner=owner,
        sequence=sequence,
        destination=required(node, "Destination", str),
        amount=amount(node.get("Amount")),
        finish_after=optional(node, "FinishAfter", int),
        cancel_after=optional(node, "CancelAfter", int),
        condition=upper(optional(node, "Condition", str)),
        transfer_rate=optional(node, "TransferRate", int),
    )


def account_tx_page(account: str, result: dict[str, Any]) -> AccountTxPage:
    """`result.transactions` (api_version 2 `tx_json` or 1 `tx`) and `result.marker`."""
    require_validated(result)
    if optional(result, "account", str) not in (None, account):
        raise BadAnswer("it lists another account's transactions")
    items = list_at(result, "transactions")
    return AccountTxPage(
        transactions=[_history_item(item) for item in items],
        marker=result.get("marker"),
    )


def _history_item(item: Any) -> LedgerTx:
    """One `account_tx` item: the transaction with its hash, result and ledger."""
    if not isinstance(item, dict):
        raise BadAnswer("a transaction item is not an object")
    tx = item.get("tx_json", item.get("tx"))
    if not isinstance(tx, dict):
        raise BadAnswer("a transaction item has neither tx_json nor tx")
    tx_hash = optional(item, "hash", str) or optional(tx, "hash", str)
    if tx_hash is None or not TX_HASH.fullmatch(tx_hash):
        raise BadAnswer("a transaction item has no transaction hash")
    return ledger_tx(tx_hash.upper(), item, tx)


def account_info(account: str, result: dict[str, Any]) -> AccountInfo:
    """`result.account_data` with the flags as `result.account_flags` names them, where it
    does, and as the `Flags` bits say otherwise."""
    require_validated(result)
    data = object_at(result, "account_data")
    if required(data, "Account", str) != account:
        raise BadAnswer("it describes another account")
    balance = required(data, "Balance", str)
    if not balance.isdigit():
        raise BadAnswer("Balance is not a number of drops")
    flags = required(data, "Flags", int)
    named = result.get("account_flags", {})
    if not isinstance(named, dict):
        raise BadAnswer("account_flags is not an object")
    decoded = {name: _flag(named, name, flags, bit) for name, bit in _NAMED_FLAGS.items()}
    return AccountInfo(
        account=account,
        balance_drops=int(balance),
        flags=flags,
        transfer_rate=optional(data, "TransferRate", int),
        require_authorization=decoded["requireAuthorization"],
        global_freeze=decoded["globalFreeze"],
        allow_trust_line_locking=decoded["allowTrustLineLocking"],
    )


def _flag(named: dict[str, Any], name: str, flags: int, bit: int) -> bool:
    """The server's own word for a flag when it gives one, else the bit in `Flags`."""
    said = optional(named, name, bool)
    return said if said is not None else bool(flags & bit)


@dataclass(frozen=True)
class TrustLinePage:
    """One `account_lines` page and where the next one starts."""

    lines: list[TrustLine]
    marker: object | None
    ledger_index: int | None  # the validated ledger it was read from


def trust_line_page(account: str, peer: str, result: dict[str, Any]) -> TrustLinePage:
    """`result.lines` (from `account`'s side) and `result.marker` while there are more."""
    require_validated(result)
    if optional(result, "account", str) not in (None, account):
        raise BadAnswer("it lists another account's trust lines")
    lines = [_trust_line(line) for line in list_at(result, "lines")]
    if any(line.peer != peer for line in lines):
        raise BadAnswer("it lists a trust line to another peer")
    return TrustLinePage(lines, result.get("marker"), optional(result, "ledger_index", int))


def _trust_line(line: Any) -> TrustLine:
    """One line; a flag it leaves out is false, as the server writes only the true ones."""
    if not isinstance(line, dict):
        raise BadAnswer("a trust line is not an object")
    flags = {name: optional(line, name, bool) or False for name in _LINE_FLAGS}
    return TrustLine(
        peer=required(line, "account", str),
        currency=currency(required(line, "currency", str)),
        balance=decimal_text(required(line, "balance", str), "balance"),
        limit=decimal_text(required(line, "limit", str), "limit"),
        limit_peer=decimal_text(required(line, "limit_peer", str), "limit_peer"),
        **flags,
    )
