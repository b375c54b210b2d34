"""The JSON-RPC answers of the local node stand-in for the ledger's state: `ledger`,
`ledger_entry` (escrow form), `account_tx`, `account_info` and `account_lines`, in the shapes the
xrpl.org method pages and rippled's handlers document
(docs/xrpl-and-xaman.md#reading-the-ledgers-state).

Each function takes the request's params and returns the JSON-RPC `result`: the documented
success, or the method's documented error.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from xrpl.core.addresscodec import decode_classic_address, is_valid_classic_address

from tests.support.ledger_model import (
    ALLOW_TRUST_LINE_LOCKING,
    GLOBAL_FREEZE,
    REQUIRE_AUTH,
    Escrow,
    LedgerModel,
    Line,
    Validated,
    ledger_text,
)

Shape = Literal["v2", "v1"]
RIPPLE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# rippled ErrorCodes.h; entryNotFound is 98 on current servers (it had no number of its own
# before), actNotFound 19, txnNotFound 29, lgrNotFound 21, lgrIdxsInvalid 57.
ERRORS = {
    "txnNotFound": (29, "Transaction not found."),
    "entryNotFound": (98, "Entry not found."),
    "actNotFound": (19, "Account not found."),
    "lgrNotFound": (21, "ledgerNotFound"),
    "lgrIdxsInvalid": (57, "Ledger indexes invalid."),
    "lgrIdxMalformed": (58, "ledgerSeqMinOutOfRange"),
    "invalidParams": (31, "Invalid parameters."),
    "tooBusy": (9, "The server is too busy to help you now."),
    "unknownCmd": (32, "Unknown method."),
}
# What each method answers when the thing asked for does not exist.
NOT_FOUND = {
    "tx": "txnNotFound",
    "ledger": "lgrNotFound",
    "ledger_entry": "entryNotFound",
    "account_tx": "actNotFound",
    "account_info": "actNotFound",
    "account_lines": "actNotFound",
}


def error(name: str, method: str, params: Any) -> dict[str, Any]:
    """A JSON-RPC error `result`, echoing the request as rippled does."""
    code, message = ERRORS[name]
    request = {"command": method, **params} if isinstance(params, dict) else {}
    return {
        "error": name,
        "error_code": code,
        "error_message": message,
        "request": request,
        "status": "error",
    }


def iso(close_time: int) -> str:
    moment = RIPPLE_EPOCH + timedelta(seconds=close_time)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ledger_hash(index: int) -> str:
    return hashlib.sha512(b"ledger" + index.to_bytes(8, "big")).hexdigest()[:64].upper()


def ledger(model: LedgerModel, params: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """`ledger` for "validated": the header of the newest validated ledger."""
    if params.get("ledger_index") != "validated":
        return error("invalidParams", "ledger", params)
    with model.lock:
        index, close_time, parent = model.ledger_index, model.close_time, model.parent_close_time
    header = {
        "account_hash": ledger_hash(index + 2**41),
        "close_flags": 0,
        "close_time": close_time,
        "close_time_human": (RIPPLE_EPOCH + timedelta(seconds=close_time)).strftime(
            "%Y-%b-%d %H:%M:%S.%f UTC"
        ),
        "close_time_iso": iso(close_time),
        "close_time_resolution": 10,
        "closed": True,
        "ledger_hash": ledger_hash(index),
        # api_version 1 quotes the index inside `ledger`; 2 writes a number.
        "ledger_index": str(index) if shape == "v1" else index,
        "parent_close_time": parent,
        "parent_hash": ledger_hash(index - 1),
        "total_coins": "99985687626634189",
        "transaction_hash": ledger_hash(index + 2**40),
    }
    return {
        "ledger": header,
        "ledger_hash": ledger_hash(index),
        "ledger_index": index,
        "status": "success",
        "validated": True,
    }


def escrow_index(owner: str, sequence: int) -> str:
    """The Escrow's ledger entry ID: SHA-512Half of 0x0075, the owner's AccountID and the
    create's sequence (xrpl.org "Escrow ID Format")."""
    key = b"\x00\x75" + decode_classic_address(owner) + sequence.to_bytes(4, "big")
    return hashlib.sha512(key).hexdigest()[:64].upper()


def ledger_entry(model: LedgerModel, params: dict[str, Any]) -> dict[str, Any]:
    """`ledger_entry` in its escrow form ({"owner", "seq"}) or by the entry's ID."""
    wanted = params.get("escrow")
    with model.lock:
        escrows = list(model.escrows.values())
        index = model.ledger_index
    if isinstance(wanted, dict):
        owner, seq = wanted.get("owner"), wanted.get("seq")
        if not isinstance(owner, str) or not is_valid_classic_address(owner):
            return {**error("invalidParams", "ledger_entry", params), "error": "malformedOwner"}
        found = next((e for e in escrows if (e.owner, e.sequence) == (owner, seq)), None)
    elif isinstance(wanted, str):
        found = next((e for e in escrows if _index_of(e) == wanted.upper()), None)
    else:
        return {**error("invalidParams", "ledger_entry", params), "error": "malformedRequest"}
    if found is None:
        return error("entryNotFound", "ledger_entry", params)
    node = {**found.node, "index": _index_of(found)}
    return {
        "index": node["index"],
        "ledger_hash": ledger_hash(index),
        "ledger_index": index,
        "node": node,
        "status": "success",
        "validated": True,
    }


def _index_of(escrow: Escrow) -> str:
    return escrow_index(escrow.owner, escrow.sequence)


def account_tx(model: LedgerModel, params: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """`account_tx`: the validated transactions affecting the account, paged by `marker`."""
    account = params.get("account")
    if not isinstance(account, str) or not is_valid_classic_address(account):
        return {**error("invalidParams", "account_tx", params), "error": "actMalformed"}
    with model.lock:
        oldest, newest = model.oldest_ledger, model.ledger_index
    low, high = params.get("ledger_index_min", -1), params.get("ledger_index_max", -1)
    low, high = (oldest if low == -1 else low), (newest if high == -1 else high)
    if not (isinstance(low, int) and isinstance(high, int)) or low > high:
        return error("lgrIdxsInvalid", "account_tx", params)
    if not oldest <= low <= high <= newest:
        # api_version 2: a range the server does not hold is refused, not searched in part.
        return error("lgrIdxMalformed", "account_tx", params)
    forward = params.get("forward") is True
    entries = sorted(model.history_of(account, low, high), key=_place, reverse=not forward)
    start = _start(entries, params.get("marker"), forward)
    if start is None:
        return error("invalidParams", "account_tx", params)
    limit = params.get("limit", 200)
    chosen, rest = entries[start : start + limit], entries[start + limit :]
    result: dict[str, Any] = {
        "account": account,
        "ledger_index_min": low,
        "ledger_index_max": high,
        "limit": limit,
        "transactions": [_history_item(entry, shape) for entry in chosen],
        "validated": True,
        "status": "success",
    }
    if rest:
        result["marker"] = {"ledger": rest[0].ledger_index, "seq": rest[0].position}
    return result


def _place(entry: Validated) -> tuple[int, int]:
    return entry.ledger_index, entry.position


def _start(entries: list[Validated], marker: Any, forward: bool) -> int | None:
    """Where a page starts: at the marker's transaction (rippled's {"ledger", "seq"})."""
    if marker is None:
        return 0
    if not isinstance(marker, dict) or not all(
        isinstance(marker.get(key), int) for key in ("ledger", "seq")
    ):
        return None
    at = (marker["ledger"], marker["seq"])
    for position, entry in enumerate(entries):
        if (_place(entry) >= at) if forward else (_place(entry) <= at):
            return position
    return len(entries)


def _history_item(entry: Validated, shape: Shape) -> dict[str, Any]:
    """One `account_tx` item: tx_json + hash (api_version 2) or tx (api_version 1)."""
    meta = {
        "AffectedNodes": list(entry.nodes),
        "TransactionIndex": entry.position,
        "TransactionResult": entry.result,
    }
    fields = {key: value for key, value in entry.tx_json.items() if key != "hash"}
    if shape == "v1":
        tx = {**fields, "hash": entry.tx_hash, "date": entry.close_time}
        tx.update(ledger_index=entry.ledger_index, inLedger=entry.ledger_index)
        return {"ledger_index": entry.ledger_index, "meta": meta, "tx": tx, "validated": True}
    # rippled writes `date` and `ledger_index` inside tx_json, and no `date` beside it.
    tx_json = {**fields, "date": entry.close_time, "ledger_index": entry.ledger_index}
    return {
        "close_time_iso": iso(entry.close_time),
        "hash": entry.tx_hash,
        "ledger_hash": ledger_hash(entry.ledger_index),
        "ledger_index": entry.ledger_index,
        "meta": meta,
        "tx_json": tx_json,
        "validated": True,
    }


def account_info(model: LedgerModel, params: dict[str, Any], *, name_flags: bool) -> dict[str, Any]:
    """`account_info`: the AccountRoot, and `account_flags` unless the server is too old."""
    address = params.get("account")
    with model.lock:
        account = model.accounts.get(address) if isinstance(address, str) else None
        index = model.ledger_index
        if account is None:
            return {**error("actNotFound", "account_info", params), "account": address}
        data: dict[str, Any] = {
            "Account": account.address,
            "Balance": str(account.balance_drops),
            "Flags": account.flags,
            "LedgerEntryType": "AccountRoot",
            "OwnerCount": 0,
            "Sequence": 1,
        }
        if account.transfer_rate is not None:
            data["TransferRate"] = account.transfer_rate
        flags = {name: account.has(bit) for name, bit in _NAMED.items()}
    result = {
        "account_data": data,
        "ledger_hash": ledger_hash(index),
        "ledger_index": index,
        "status": "success",
        "validated": True,
    }
    if name_flags:
        result["account_flags"] = flags
    return result


# The account_flags names rippled's AccountInfo.cpp writes for the bits the stand-in knows.
_NAMED = {
    "requireAuthorization": REQUIRE_AUTH,
    "globalFreeze": GLOBAL_FREEZE,
    "allowTrustLineLocking": ALLOW_TRUST_LINE_LOCKING,
}


def account_lines(model: LedgerModel, params: dict[str, Any], page_size: int) -> dict[str, Any]:
    """`account_lines` with `peer`: the account's lines, paged over all of them as rippled walks
    the owner directory, so a page may hold none of the peer's lines and still go on."""
    account, peer = params.get("account"), params.get("peer")
    with model.lock:
        known = isinstance(account, str) and account in model.accounts
        index = model.ledger_index
    if not known:
        return {**error("actNotFound", "account_lines", params), "account": account}
    everything = model.lines_of(str(account))
    start = _line_marker(params.get("marker"))
    if start is None:
        return {**error("invalidParams", "account_lines", params), "error": "actMalformed"}
    limit = params.get("limit") or page_size
    page = everything[start : start + limit]
    result: dict[str, Any] = {
        "account": account,
        "ledger_hash": ledger_hash(index),
        "ledger_index": index,
        "lines": [_seen_from(line, str(account)) for line in page if peer in (None, *_ends(line))],
        "status": "success",
        "validated": True,
    }
    if start + limit < len(everything):
        result["marker"] = f"page:{start + limit}"
    return result


def _line_marker(marker: Any) -> int | None:
    """Where a page of lines starts; rippled's markers are opaque text, these are "page:N"."""
    if marker is None:
        return 0
    number = marker.removeprefix("page:") if isinstance(marker, str) else ""
    return int(number) if number.isdigit() else None


def _ends(line: Line) -> tuple[str, str]:
    return line.holder, line.issuer


def _seen_from(line: Line, account: str) -> dict[str, Any]:
    """The line from `account`'s side: its balance and settings, then the peer's."""
    holder = account == line.holder
    mine = (line.holder_authorized, line.holder_frozen, line.holder_deep_frozen, line.limit)
    theirs = (line.authorized, line.frozen, line.deep_frozen, line.issuer_limit)
    (auth, frozen, deep, limit), (peer_auth, peer_frozen, peer_deep, peer_limit) = (
        (mine, theirs) if holder else (theirs, mine)
    )
    item: dict[str, Any] = {
        "account": line.issuer if holder else line.holder,
        "balance": ledger_text(line.balance if holder else -line.balance),
        "currency": line.currency,
        "limit": ledger_text(limit),
        "limit_peer": ledger_text(peer_limit),
        "quality_in": 0,
        "quality_out": 0,
    }
    # rippled writes a flag only when it is set.
    for name, value in (
        ("authorized", auth),
        ("peer_authorized", peer_auth),
        ("freeze", frozen),
        ("freeze_peer", peer_frozen),
        ("deep_freeze", deep),
        ("deep_freeze_peer", peer_deep),
    ):
        if value:
            item[name] = True
    return item
