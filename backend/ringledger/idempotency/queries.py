"""The statements of stored confirm outcomes, each beside the function that runs it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from ringledger.core.db import Connection, affected

# In the request's own transaction: a duplicate waits on the unique index until the first
# transaction ends (bounded by the connection's lock_timeout), then finds its outcome.
_CLAIM = """
INSERT INTO idempotency_keys (operation, bout_id, key, request_hash) VALUES ($1, $2, $3, $4)
ON CONFLICT (operation, bout_id, key) DO NOTHING
RETURNING id
"""
_STORED = """
SELECT request_hash, response_status, response_body FROM idempotency_keys
WHERE operation = $1 AND bout_id = $2 AND key = $3
"""
_RELEASE = "DELETE FROM idempotency_keys WHERE id = $1"
_PURGE = "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval"
_OF_BOUT = """
SELECT operation, bout_id, key, request_hash, response_status, created_at
FROM idempotency_keys WHERE bout_id = $1 ORDER BY id
"""


@dataclass(frozen=True, slots=True)
class Stored:
    request_hash: str
    status: int | None
    body: bytes | None


@dataclass(frozen=True, slots=True)
class KeyRecord:
    operation: str
    bout_id: uuid.UUID
    key: str
    request_hash: str
    status: int | None
    created_at: datetime


async def claim(
    conn: Connection, *, operation: str, bout_id: uuid.UUID, key: str, digest: str
) -> int | None:
    """The new key row's id, or None when the key is already taken (its transaction ended)."""
    record_id: int | None = await conn.fetchval(_CLAIM, operation, bout_id, key, digest)
    return record_id


async def stored(conn: Connection, *, operation: str, bout_id: uuid.UUID, key: str) -> Stored:
    row = await conn.fetchrow(_STORED, operation, bout_id, key)
    assert row is not None, "a key that blocked a claim exists once its transaction committed"
    return Stored(row[0], row[1], row[2])


async def release(conn: Connection, *, record_id: int) -> None:
    await conn.execute(_RELEASE, record_id)


async def purge(conn: Connection, *, older_than: timedelta) -> int:
    return affected(await conn.execute(_PURGE, older_than))


async def of_bout(conn: Connection, bout_id: uuid.UUID) -> list[KeyRecord]:
    return [KeyRecord(*row) for row in await conn.fetch(_OF_BOUT, bout_id)]
