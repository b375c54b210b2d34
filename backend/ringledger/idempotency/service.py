"""Idempotency-Key handling shared by both confirms (docs/api.md#idempotency).

The key row is inserted in the request's own transaction with `ON CONFLICT DO NOTHING`. A second
request with the same key blocks on PostgreSQL's unique index until the first transaction ends:
if it committed, the second finds the stored outcome and replays it; if it rolled back (a 502, a
crash), the second inserts and executes. A bounded `lock_timeout` turns a long wait into a 409
`idempotency_in_flight`. No row is ever visible without its outcome, so nothing is left "stuck".
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import orjson

from ringledger.core.context import add_log_fields
from ringledger.core.db import Tx, Unit
from ringledger.core.errors import BadRequest, Conflict, RingLedgerError
from ringledger.idempotency import queries
from ringledger.idempotency.queries import Stored

_VISIBLE_ASCII = re.compile(r"^[\x21-\x7e]{1,128}$")
# The operations whose requests carry an Idempotency-Key (a key is scoped per operation and bout).
ESCROW_CONFIRM = "escrow_confirm"
PAYOUT_CONFIRM = "payout_confirm"


class KeyMissing(BadRequest):
    code = "idempotency_key_missing"


class KeyInvalid(BadRequest):
    code = "idempotency_key_invalid"


class KeyReused(Conflict):
    code = "idempotency_key_reused"


class InFlight(Conflict):
    code = "idempotency_in_flight"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: bytes


@dataclass(frozen=True)
class Claim:
    """Either this request owns the key (`record_id`) or it must replay `stored`."""

    record_id: int | None
    stored: Outcome | None


def well_formed(value: str) -> bool:
    return _VISIBLE_ASCII.match(value) is not None


def check_key(value: str | None) -> str:
    """A valid Idempotency-Key, or 400 when it is missing or malformed."""
    if value is None or value == "":
        raise KeyMissing("The Idempotency-Key header is required for this operation.")
    if not _VISIBLE_ASCII.match(value):
        raise KeyInvalid("The Idempotency-Key must be 1–128 visible ASCII characters.")
    return value


# The Idempotency-Key header in the OpenAPI document of both confirms (`openapi_extra`): the
# access check reads and checks the header itself, after the 401, 403 and 404 checks.
_KEY_RULE = (
    "Required (a missing key is answered 400): 1–128 visible ASCII characters, one per "
    "intended operation."
)
KEY_PARAMETER: dict[str, Any] = {
    "parameters": [
        {
            "description": _KEY_RULE,
            "in": "header",
            "name": "idempotency-key",
            "required": False,
            "schema": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": _KEY_RULE,
                "title": "Idempotency-Key",
            },
        }
    ]
}


def request_hash(payload: dict[str, Any]) -> str:
    """A stable digest of the request body (key order and whitespace do not matter).

    The canonical text is the standard library's `json.dumps(sort_keys=True, separators=(",",
    ":"), default=str)`, as stored digests were made. orjson writes the same bytes, faster,
    whenever they are plain ASCII without DEL (the standard library escapes everything else);
    otherwise, and for what orjson does not write (an integer beyond 64 bits), the standard
    library writes it.
    """
    try:
        canonical = orjson.dumps(
            payload, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
        )
    except TypeError:
        canonical = b"\x7f"
    if not canonical.isascii() or b"\x7f" in canonical:
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(canonical).hexdigest()


async def claim(tx: Tx, *, operation: str, bout_id: uuid.UUID, key: str, digest: str) -> Claim:
    """Take the key for this transaction, or find the outcome stored under it."""
    try:
        record_id = await queries.claim(
            tx.conn, operation=operation, bout_id=bout_id, key=key, digest=digest
        )
    except asyncpg.exceptions.LockNotAvailableError as error:
        # The wait is bounded by the connection's lock_timeout (RINGLEDGER_IDEMPOTENCY_WAIT).
        raise InFlight(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        ) from error
    if record_id is not None:
        return Claim(record_id=record_id, stored=None)
    found = await queries.stored(tx.conn, operation=operation, bout_id=bout_id, key=key)
    return Claim(record_id=None, stored=_replay(found, digest))


def _replay(found: Stored, digest: str) -> Outcome:
    """The stored outcome, for the same request only (409 for another body under the key)."""
    assert found.status is not None, "an outcome is stored in the transaction that claimed"
    if found.request_hash != digest:
        raise KeyReused(
            "This Idempotency-Key was already used with a different request body; "
            "use a new key for a new request."
        )
    return Outcome(found.status, found.body or b"")


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


async def run_once(
    unit: Unit,
    *,
    operation: str,
    bout_id: uuid.UUID,
    key: str,
    request: dict[str, Any],
    stored: Stored | None,
    execute: Callable[[Tx], Awaitable[dict[str, Any]]],
) -> tuple[Outcome, bool]:
    """Run `execute` once per key, in a transaction that also stores its outcome; replay the
    outcome afterwards. Returns the outcome and whether it is a replay.

    `stored` is what the access check already found under the key: a replay then needs no
    transaction at all. Expected rejections (a RingLedgerError with `keep_changes`: a 409
    state conflict, a 422 failure) are outcomes too; anything else (a 502, a crash) stores
    nothing, and neither does a fault of the server's own (a kept 5xx).
    """
    digest = request_hash(request)
    if stored is not None:
        add_log_fields(idempotent_replay="true")
        return _replay(stored, digest), True
    async with unit.transaction() as tx:
        claimed = await claim(tx, operation=operation, bout_id=bout_id, key=key, digest=digest)
        if claimed.stored is not None:
            add_log_fields(idempotent_replay="true")
            return claimed.stored, True
        assert claimed.record_id is not None
        try:
            outcome = Outcome(200, _dump(await execute(tx)))
        except RingLedgerError as error:
            if not error.keep_changes:
                raise
            if error.status >= 500:
                # Its audit row is kept, the key is not spent: the same request succeeds once
                # the fault is mended.
                await queries.release(tx.conn, record_id=claimed.record_id)
                raise
            # A recorded refusal is this key's answer: it commits with what it recorded.
            add_log_fields(error_code=error.code, failure_code=error.extra.get("failure_code"))
            outcome = Outcome(error.status, _dump(error.body()))
        tx.store_outcome(claimed.record_id, outcome.status, outcome.body)
        return outcome, False


async def purge(tx: Tx, *, older_than: timedelta) -> int:
    """Delete stored outcomes past the retention period; returns how many."""
    return await queries.purge(tx.conn, older_than=older_than)
