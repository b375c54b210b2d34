"""Idempotency-Key handling shared by both confirms (PRODUCT.md "Idempotency").

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
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.core.errors import BadRequest, Conflict
from ringledger.idempotency.models import IdempotencyRecord

_VISIBLE_ASCII = re.compile(r"^[\x21-\x7e]{1,128}$")
_LOCK_NOT_AVAILABLE = "55P03"


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


def check_key(value: str | None) -> str:
    """A valid Idempotency-Key, or 400 when it is missing or malformed."""
    if value is None or value == "":
        raise KeyMissing("The Idempotency-Key header is required for this operation.")
    if not _VISIBLE_ASCII.match(value):
        raise KeyInvalid("The Idempotency-Key must be 1–128 visible ASCII characters.")
    return value


async def idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Required (a missing key is answered 400): 1–128 visible ASCII "
            "characters, one per intended operation."
        ),
    ] = None,
) -> str:
    """The request's Idempotency-Key header, checked."""
    return check_key(idempotency_key)


def request_hash(payload: dict[str, Any]) -> str:
    """A stable digest of the request body (key order and whitespace do not matter)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(
    session: AsyncSession,
    *,
    operation: str,
    bout_id: uuid.UUID,
    key: str,
    digest: str,
) -> Claim:
    """Take the key for this transaction, or find the outcome stored under it."""
    # The wait is bounded by the connection's lock_timeout (RINGLEDGER_IDEMPOTENCY_WAIT).
    insert_key = (
        insert(IdempotencyRecord)
        .values(operation=operation, bout_id=bout_id, key=key, request_hash=digest)
        .on_conflict_do_nothing(index_elements=["operation", "bout_id", "key"])
        .returning(IdempotencyRecord.id)
    )
    try:
        record_id = await session.scalar(insert_key)
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise InFlight(
                "A request with this Idempotency-Key is still being processed; retry shortly."
            ) from error
        raise
    if record_id is not None:
        return Claim(record_id=record_id, stored=None)
    record = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.operation == operation,
            IdempotencyRecord.bout_id == bout_id,
            IdempotencyRecord.key == key,
        )
    )
    assert record is not None and record.response_status is not None
    if record.request_hash != digest:
        raise KeyReused(
            "This Idempotency-Key was already used with a different request body; "
            "use a new key for a new request."
        )
    return Claim(
        record_id=None, stored=Outcome(record.response_status, record.response_body or b"")
    )


async def store(session: AsyncSession, *, record_id: int, outcome: Outcome) -> None:
    """Save the outcome in the same transaction as the work it describes."""
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(response_status=outcome.status, response_body=outcome.body)
    )


async def release(session: AsyncSession, *, record_id: int) -> None:
    """Give up a claimed key in this transaction, so the same key can be used again."""
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


async def purge(session: AsyncSession, *, older_than: timedelta) -> int:
    """Delete stored outcomes past the retention period; returns how many."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < func.now() - older_than)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
