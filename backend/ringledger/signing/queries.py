"""The statements of sign requests (signing attempts), each beside the function that runs it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from ringledger.core.db import Connection, Tx, affected
from ringledger.signing.models import SigningPhase, SigningStatus


@dataclass(slots=True)
class AttemptRow:
    id: uuid.UUID
    escrow_id: uuid.UUID
    bout_id: uuid.UUID
    phase: SigningPhase
    mode: str
    payload_id: str
    identifier: str
    status: SigningStatus
    expires_at: datetime
    tx_hash: str | None
    status_reason: str | None
    created_at: datetime
    updated_at: datetime
    signed_at: datetime | None = None
    followed_at: datetime | None = None
    followed_outcome: str | None = None


_ATTEMPT = (
    "id, escrow_id, bout_id, phase, mode, payload_id, identifier, status, expires_at, tx_hash,"
    " status_reason, created_at, updated_at, signed_at, followed_at, followed_outcome"
)
ATTEMPT_COLUMNS = [column.strip() for column in _ATTEMPT.split(",")]


def attempt_of(row: asyncpg.Record, offset: int = 0) -> AttemptRow:
    """An attempt from `len(ATTEMPT_COLUMNS)` columns of `row`, from `offset` on."""
    values = list(tuple(row)[offset : offset + len(ATTEMPT_COLUMNS)])
    values[3], values[7] = SigningPhase(values[3]), SigningStatus(values[7])
    return AttemptRow(*values)


@dataclass(frozen=True, slots=True)
class NewAttempt:
    """A sign request just issued, to be stored."""

    escrow_id: uuid.UUID
    mode: str
    payload_id: str
    identifier: str
    deep_link_url: str
    qr_png_url: str
    websocket_status_url: str
    expires_at: datetime


# clock_timestamp(), not now(): prepares of a bout queue on a lock, so only the wall clock at
# insert orders attempts the way they were really issued ("the newest attempt").
_INSERT = """
INSERT INTO signing_attempts
    (id, escrow_id, bout_id, phase, mode, payload_id, identifier, status, deep_link_url,
     qr_png_url, websocket_status_url, expires_at, created_at)
SELECT id, escrow_id, $3, $4, mode, payload_id, identifier, 'open', deep_link_url, qr_png_url,
       websocket_status_url, expires_at, clock_timestamp()
FROM unnest($1::uuid[], $2::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::timestamptz[])
     AS issued(id, escrow_id, mode, payload_id, identifier, deep_link_url, qr_png_url,
               websocket_status_url, expires_at)
"""


def insert(
    tx: Tx, *, bout_id: uuid.UUID, phase: SigningPhase, attempts: list[NewAttempt]
) -> list[uuid.UUID]:
    """Store the attempts (status open), with the unit's other writes; their ids, in order."""
    ids = [uuid.uuid4() for _ in attempts]
    tx.queue(
        [("signing_attempt", attempt_id) for attempt_id in ids],
        _INSERT,
        ids,
        [a.escrow_id for a in attempts],
        bout_id,
        phase.value,
        [a.mode for a in attempts],
        [a.payload_id for a in attempts],
        [a.identifier for a in attempts],
        [a.deep_link_url for a in attempts],
        [a.qr_png_url for a in attempts],
        [a.websocket_status_url for a in attempts],
        [a.expires_at for a in attempts],
    )
    return ids


_BY_PAYLOAD = f"SELECT {_ATTEMPT} FROM signing_attempts WHERE payload_id = $1"
# `newest`: no later attempt of the same escrow and phase exists (only the newest one speaks
# for its escrow).
_CURRENT = f"""
SELECT {", ".join(f"a.{column}" for column in ATTEMPT_COLUMNS)},
       NOT EXISTS (
           SELECT 1 FROM signing_attempts newer
           WHERE newer.escrow_id = a.escrow_id AND newer.phase = a.phase
             AND (newer.created_at, newer.id) > (a.created_at, a.id)
       ) AS newest
FROM signing_attempts a WHERE a.id = $1
"""


async def by_payload(conn: Connection, payload_id: str) -> AttemptRow | None:
    row = await conn.fetchrow(_BY_PAYLOAD, payload_id)
    return attempt_of(row) if row is not None else None


async def current(conn: Connection, attempt_id: uuid.UUID) -> tuple[AttemptRow, bool]:
    """The attempt as stored now, and whether it is its escrow's newest of its phase."""
    row = await conn.fetchrow(_CURRENT, attempt_id)
    assert row is not None, "attempts are never deleted"
    return attempt_of(row), bool(row[-1])


_SAVE = """
UPDATE signing_attempts SET status = $2, tx_hash = $3, status_reason = $4, signed_at = $5,
                            updated_at = now()
WHERE id = $1
"""


def save(tx: Tx, attempt: AttemptRow) -> None:
    """Store the attempt's status, transaction hash and reason as they are now, with the unit's
    other writes (under its bout's lock, which told the unit its timestamp)."""
    assert tx.now is not None, "an attempt's outcome is recorded only under its bout's lock"
    attempt.updated_at = tx.now
    tx.queue(
        [("signing_attempt", attempt.id)],
        _SAVE,
        attempt.id,
        attempt.status.value,
        attempt.tx_hash,
        attempt.status_reason,
        attempt.signed_at,
    )


_UNSETTLED_OR_SIGNED = f"""
SELECT {_ATTEMPT} FROM signing_attempts
WHERE bout_id = $1 AND status IN ('open', 'signed')
ORDER BY created_at, id
"""


async def open_or_signed(conn: Connection, *, bout_id: uuid.UUID) -> list[AttemptRow]:
    """A bout's attempts still open or recorded signed, of either phase, oldest first."""
    return [attempt_of(row) for row in await conn.fetch(_UNSETTLED_OR_SIGNED, bout_id)]


_OF_BOUT = f"""
SELECT {_ATTEMPT} FROM signing_attempts
WHERE bout_id = $1 AND phase = $2 AND status = $3
ORDER BY created_at, id
"""
_ALL_OF_BOUT = f"SELECT {_ATTEMPT} FROM signing_attempts WHERE bout_id = $1 ORDER BY created_at, id"


async def of_bout(
    conn: Connection,
    *,
    bout_id: uuid.UUID,
    phase: SigningPhase | None = None,
    status: SigningStatus | None = None,
) -> list[AttemptRow]:
    """A bout's attempts, oldest first: all of them, or those of one phase in one status."""
    if phase is None or status is None:
        rows = await conn.fetch(_ALL_OF_BOUT, bout_id)
    else:
        rows = await conn.fetch(_OF_BOUT, bout_id, phase.value, status.value)
    return [attempt_of(row) for row in rows]


# --- the worker's claims ---------------------------------------------------------------------
# A worker claims what it works on with a lease, committed at once, and holds no row lock while it
# asks Xaman or the node: a reconcile or a webhook about the same request is never kept waiting
# behind it. A lease that ran out (a worker that died) is anybody's again.

_CLAIM_OPEN = f"""
UPDATE signing_attempts a SET lease_owner = $3, lease_until = now() + $4::interval
FROM (
    SELECT id FROM signing_attempts
    WHERE status = 'open' AND (lease_until IS NULL OR lease_until < now())
      AND (created_at, id) > ($1, $2)
    ORDER BY created_at, id
    LIMIT $5
    FOR UPDATE SKIP LOCKED
) AS due
WHERE a.id = due.id
RETURNING {", ".join(f"a.{column}" for column in ATTEMPT_COLUMNS)}
"""
_CLAIM_UNFOLLOWED = f"""
UPDATE signing_attempts a SET lease_owner = $3, lease_until = now() + $4::interval
FROM (
    SELECT id FROM signing_attempts
    WHERE status = 'signed' AND followed_at IS NULL
      AND (lease_until IS NULL OR lease_until < now())
      AND (signed_at, id) > ($1, $2)
    ORDER BY signed_at, id
    LIMIT $5
    FOR UPDATE SKIP LOCKED
) AS due
WHERE a.id = due.id
RETURNING {", ".join(f"a.{column}" for column in ATTEMPT_COLUMNS)}
"""
_RELEASE = (
    "UPDATE signing_attempts SET lease_owner = NULL, lease_until = NULL"
    " WHERE id = ANY($1::uuid[]) AND lease_owner = $2"
)
_RELEASE_ALL = (
    "UPDATE signing_attempts SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1"
)
_FOLLOWED = """
UPDATE signing_attempts SET followed_at = now(), followed_outcome = $2,
                            lease_owner = NULL, lease_until = NULL
WHERE id = $1
"""
_COUNT_OPEN = "SELECT count(*) FROM signing_attempts WHERE status = 'open'"
_COUNT_UNFOLLOWED = (
    "SELECT count(*) FROM signing_attempts WHERE status = 'signed' AND followed_at IS NULL"
)
# Before any attempt there is.
FIRST = (datetime(1970, 1, 1, tzinfo=UTC), uuid.UUID(int=0))


async def claim_open(
    conn: Connection,
    *,
    owner: str,
    lease: timedelta,
    after: tuple[datetime, uuid.UUID],
    limit: int,
) -> list[AttemptRow]:
    """Lease the next open attempts after the keyset (oldest first) to `owner`."""
    rows = await conn.fetch(_CLAIM_OPEN, *after, owner, lease, limit)
    return sorted((attempt_of(row) for row in rows), key=lambda a: (a.created_at, a.id))


async def claim_unfollowed(
    conn: Connection,
    *,
    owner: str,
    lease: timedelta,
    after: tuple[datetime, uuid.UUID],
    limit: int,
) -> list[AttemptRow]:
    """Lease the next signed attempts the follow-through has not finished with (by signing)."""
    rows = await conn.fetch(_CLAIM_UNFOLLOWED, *after, owner, lease, limit)
    attempts = [attempt_of(row) for row in rows]
    return sorted(attempts, key=lambda a: (a.signed_at or FIRST[0], a.id))


async def release(conn: Connection, *, attempt_ids: list[uuid.UUID], owner: str) -> None:
    """Give these attempts' leases back (only those `owner` still holds)."""
    if attempt_ids:
        await conn.execute(_RELEASE, attempt_ids, owner)


async def release_all(conn: Connection, *, owner: str) -> int:
    """Give back every lease `owner` holds (a worker that stops); how many."""
    return affected(await conn.execute(_RELEASE_ALL, owner))


async def mark_followed(conn: Connection, *, attempt_id: uuid.UUID, outcome: str) -> None:
    """The follow-through is done with this signed attempt (`outcome` says how); lease freed."""
    await conn.execute(_FOLLOWED, attempt_id, outcome)


async def count_open(conn: Connection) -> int:
    total: int = await conn.fetchval(_COUNT_OPEN)
    return total


async def count_unfollowed(conn: Connection) -> int:
    total: int = await conn.fetchval(_COUNT_UNFOLLOWED)
    return total
