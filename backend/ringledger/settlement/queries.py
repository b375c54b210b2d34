"""The worker's statements about escrows: the watch's claims and its bookkeeping."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from ringledger.bouts.models import EscrowKind
from ringledger.core.db import Connection
from ringledger.signing.queries import ATTEMPT_COLUMNS, AttemptRow, attempt_of


@dataclass(frozen=True, slots=True)
class Due:
    """An escrow recorded `created` whose FinishAfter the ledger has passed: anyone may have
    finished it (or, after CancelAfter, cancelled it) since."""

    escrow_id: uuid.UUID
    bout_id: uuid.UUID
    kind: EscrowKind
    owner: str
    offer_sequence: int
    finish_after: int
    create_ledger_index: int | None


_DUE = (
    "e.id, e.bout_id, e.kind, e.owner_address, e.offer_sequence, e.finish_after_ripple,"
    " e.create_ledger_index"
)
# Leased like the sign requests (`core.leases`), in FinishAfter order from a keyset, so that a
# pass moves on past an escrow it could not look up.
_CLAIM_DUE = f"""
UPDATE escrows e SET watch_lease_owner = $4, watch_lease_until = now() + $5::interval
FROM (
    SELECT id FROM escrows
    WHERE status = 'created' AND finish_after_ripple < $1
      AND (finish_after_ripple, id) > ($2, $3)
      AND (watched_at IS NULL OR watched_at <= now() - $6::interval)
      AND (watch_lease_until IS NULL OR watch_lease_until < now())
    ORDER BY finish_after_ripple, id
    LIMIT $7
    FOR UPDATE SKIP LOCKED
) AS due
WHERE e.id = due.id
RETURNING {_DUE}
"""
# Signed requests whose transaction is already recorded as an escrow's move (the promoter's
# confirm was first): followed without asking the node. Walks the follow-through's own partial
# index of signed requests not followed yet.
_FOLLOWED_BY_RECORDS = """
UPDATE signing_attempts a SET followed_at = now(), followed_outcome = 'already_recorded'
WHERE a.status = 'signed' AND a.followed_at IS NULL
  AND (a.lease_until IS NULL OR a.lease_until < now())
  AND EXISTS (SELECT 1 FROM ledger_moves m WHERE m.tx_hash = upper(a.tx_hash))
RETURNING a.phase
"""
_ONE_BOUT = f"""
SELECT {_DUE} FROM escrows e
WHERE e.bout_id = $1 AND e.status = 'created' AND e.offer_sequence IS NOT NULL
ORDER BY e.kind
"""
_ALL_CREATED = f"""
SELECT {_DUE} FROM escrows e
WHERE e.status = 'created' AND e.offer_sequence IS NOT NULL
  AND (e.finish_after_ripple, e.id) > ($1, $2)
ORDER BY e.finish_after_ripple, e.id
LIMIT $3
"""
_WATCHED = """
UPDATE escrows SET watched_at = now(), watch_lease_owner = NULL, watch_lease_until = NULL
WHERE id = $1
"""
_RELEASE = (
    "UPDATE escrows SET watch_lease_owner = NULL, watch_lease_until = NULL"
    " WHERE id = ANY($1::uuid[]) AND watch_lease_owner = $2"
)
BEFORE_ALL = (-1, uuid.UUID(int=0))


def _due(row: asyncpg.Record) -> Due:
    return Due(row[0], row[1], EscrowKind(row[2]), row[3], row[4], row[5], row[6])


async def claim_due(
    conn: Connection,
    *,
    ledger_close_time: int,
    after: tuple[int, uuid.UUID],
    owner: str,
    lease: timedelta,
    interval: timedelta,
    limit: int,
) -> list[Due]:
    """Lease the next due escrows (FinishAfter before the ledger's close time, not looked up
    within `interval`), in FinishAfter order after the keyset."""
    rows = await conn.fetch(_CLAIM_DUE, ledger_close_time, *after, owner, lease, interval, limit)
    return sorted((_due(row) for row in rows), key=lambda d: (d.finish_after, d.escrow_id))


async def created_of_bout(conn: Connection, bout_id: uuid.UUID) -> list[Due]:
    """A bout's escrows recorded `created` (ledger-check of one bout)."""
    return [_due(row) for row in await conn.fetch(_ONE_BOUT, bout_id)]


async def created_after(conn: Connection, *, after: tuple[int, uuid.UUID], limit: int) -> list[Due]:
    """The next escrows recorded `created`, in FinishAfter order (ledger-check of them all)."""
    return [_due(row) for row in await conn.fetch(_ALL_CREATED, *after, limit)]


async def mark_watched(conn: Connection, escrow_id: uuid.UUID) -> None:
    """The escrow was looked up now (its lease is given back)."""
    await conn.execute(_WATCHED, escrow_id)


async def release(conn: Connection, *, escrow_ids: list[uuid.UUID], owner: str) -> None:
    if escrow_ids:
        await conn.execute(_RELEASE, escrow_ids, owner)


_RELEASE_ALL = (
    "UPDATE escrows SET watch_lease_owner = NULL, watch_lease_until = NULL"
    " WHERE watch_lease_owner = $1"
)


async def release_all(conn: Connection, *, owner: str) -> None:
    await conn.execute(_RELEASE_ALL, owner)


# A signed EscrowCreate whose escrow the records still show planned (one bout's, or all).
_SIGNED_UNCONFIRMED = f"""
SELECT {", ".join(f"a.{column}" for column in ATTEMPT_COLUMNS)}, e.kind
FROM signing_attempts a JOIN escrows e ON e.id = a.escrow_id
WHERE a.status = 'signed' AND a.phase = 'escrow_create' AND a.tx_hash IS NOT NULL
  AND e.status = 'planned' AND ($1::uuid IS NULL OR a.bout_id = $1)
ORDER BY a.signed_at, a.id
"""


async def signed_unconfirmed_creates(
    conn: Connection, *, bout_id: uuid.UUID | None
) -> list[tuple[AttemptRow, str]]:
    """Signed EscrowCreates whose escrows are recorded planned, with each escrow's kind."""
    rows = await conn.fetch(_SIGNED_UNCONFIRMED, bout_id)
    return [(attempt_of(row), row[-1]) for row in rows]


async def follow_recorded(conn: Connection) -> list[str]:
    """Mark followed every signed request whose transaction the records already hold; the
    phases of those marked."""
    return [row["phase"] for row in await conn.fetch(_FOLLOWED_BY_RECORDS)]
