"""The statements of bouts and escrows, each beside the typed function that runs it.

A request that changes a bout locks it with its escrows in one statement (`lock_bout`) and
queues its row writes in the unit of work, which sends them with its audit rows as one
statement; a read-only request runs without a transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from ringledger.auth.queries import UserRow, user_of
from ringledger.bouts.models import BoutStatus, EscrowKind, EscrowStatus, Outcome
from ringledger.bouts.records import BoutRow, EscrowRow, LatestSigning
from ringledger.core.db import Connection, Tx
from ringledger.idempotency.queries import Stored
from ringledger.signing.models import SigningPhase
from ringledger.signing.queries import ATTEMPT_COLUMNS, AttemptRow, attempt_of

_BOUT = (
    "id, title, status, outcome, promoter_user_id, fighter_a_user_id, fighter_b_user_id,"
    " promoter_xrpl_address, event_at, finish_after_at, cancel_after_at, finish_after_ripple,"
    " cancel_after_ripple, created_at, updated_at, token_label, token_currency, token_issuer,"
    " transfer_rate"
)
_ESCROW = (
    "id, bout_id, kind, status, owner_address, destination_address, amount_drops,"
    " finish_after_ripple, cancel_after_ripple, condition_hex, preimage_ciphertext,"
    " offer_sequence, create_tx_hash, close_tx_hash, failure_code, failure_reason,"
    " closed_by_address, anomaly_reason, anomaly_at, create_ledger_index, amount_value,"
    " delivered_value"
)
_BOUT_FIELDS = len(_BOUT.split(","))
_ESCROW_FIELDS = len(_ESCROW.split(","))
# The keyset "before the first page": after every bout there is.
FIRST_PAGE = (datetime(9999, 12, 31, tzinfo=UTC), uuid.UUID(int=2**128 - 1))


def _bout(row: asyncpg.Record, offset: int = 0) -> BoutRow:
    values = list(tuple(row)[offset : offset + _BOUT_FIELDS])
    values[2] = BoutStatus(values[2])
    values[3] = Outcome(values[3]) if values[3] is not None else None
    return BoutRow(*values)


def _escrow(row: asyncpg.Record, offset: int = 0) -> EscrowRow:
    values = list(tuple(row)[offset : offset + _ESCROW_FIELDS])
    values[2], values[3] = EscrowKind(values[2]), EscrowStatus(values[3])
    return EscrowRow(*values)


# --- who may see it ------------------------------------------------------------------------

_USER_FIELDS = 6
_ACCESS = f"""
SELECT u.id, u.email, u.password_hash, u.role, u.token_version, u.disabled_at,
       {", ".join(f"b.{c.strip()}" for c in _BOUT.split(","))}
FROM users u LEFT JOIN bouts b ON b.id = $2
WHERE u.id = $1
"""
# As _ACCESS, and the outcome stored under the request's Idempotency-Key if there is one, so a
# replay is answered from this one statement.
_ACCESS_WITH_STORED = f"""
SELECT u.id, u.email, u.password_hash, u.role, u.token_version, u.disabled_at,
       {", ".join(f"b.{c.strip()}" for c in _BOUT.split(","))},
       k.request_hash, k.response_status, k.response_body
FROM users u
LEFT JOIN bouts b ON b.id = $2
LEFT JOIN idempotency_keys k ON k.operation = $3 AND k.bout_id = $2 AND k.key = $4
WHERE u.id = $1
"""
_STORED_AT = _USER_FIELDS + _BOUT_FIELDS


@dataclass(frozen=True, slots=True)
class Access:
    user: UserRow | None
    bout: BoutRow | None  # as committed, without its escrows (no lock)
    stored: Stored | None = None


async def access(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    bout_id: uuid.UUID,
    stored_under: tuple[str, str] | None = None,
) -> Access:
    """The token's account and the bout (None when missing), in one round trip; with
    `stored_under` (operation, key), also what is stored under that Idempotency-Key."""
    if stored_under is None:
        row = await conn.fetchrow(_ACCESS, user_id, bout_id)
    else:
        row = await conn.fetchrow(_ACCESS_WITH_STORED, user_id, bout_id, *stored_under)
    if row is None:
        return Access(None, None)
    bout = _bout(row, _USER_FIELDS) if row[_USER_FIELDS] is not None else None
    stored = None
    if stored_under is not None and row[_STORED_AT] is not None:
        stored = Stored(row[_STORED_AT], row[_STORED_AT + 1], row[_STORED_AT + 2])
    return Access(user_of(row), bout, stored)


# --- creating ------------------------------------------------------------------------------

# The bout and its four escrows in one statement (the escrows' foreign key is checked at its end).
_INSERT_BOUT = """
WITH bout AS (
    INSERT INTO bouts (id, title, status, outcome, promoter_user_id, fighter_a_user_id,
                       fighter_b_user_id, promoter_xrpl_address, event_at, finish_after_at,
                       cancel_after_at, finish_after_ripple, cancel_after_ripple, token_label,
                       token_currency, token_issuer)
    VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11, $12, $24, $25, $26)
    RETURNING created_at, updated_at
), escrows AS (
    INSERT INTO escrows (id, bout_id, kind, status, owner_address, destination_address,
                         amount_drops, finish_after_ripple, cancel_after_ripple, condition_hex,
                         preimage_ciphertext, amount_value)
    SELECT * FROM unnest($13::uuid[], $14::uuid[], $15::escrow_kind[], $16::escrow_status[],
                         $17::text[], $18::text[], $19::bigint[], $20::bigint[], $21::bigint[],
                         $22::text[], $23::text[], $27::numeric[])
)
SELECT created_at, updated_at FROM bout
"""


async def insert_bout(conn: Connection, bout: BoutRow) -> None:
    """Store a new bout and its escrows; the stored timestamps are set on `bout`."""
    escrows = bout.escrows
    row = await conn.fetchrow(
        _INSERT_BOUT,
        bout.id,
        bout.title,
        bout.status.value,
        bout.promoter_user_id,
        bout.fighter_a_user_id,
        bout.fighter_b_user_id,
        bout.promoter_xrpl_address,
        bout.event_at,
        bout.finish_after_at,
        bout.cancel_after_at,
        bout.finish_after_ripple,
        bout.cancel_after_ripple,
        [e.id for e in escrows],
        [e.bout_id for e in escrows],
        [e.kind.value for e in escrows],
        [e.status.value for e in escrows],
        [e.owner_address for e in escrows],
        [e.destination_address for e in escrows],
        [e.amount_drops for e in escrows],
        [e.finish_after_ripple for e in escrows],
        [e.cancel_after_ripple for e in escrows],
        [e.condition_hex for e in escrows],
        [e.preimage_ciphertext for e in escrows],
        bout.token_label,
        bout.token_currency,
        bout.token_issuer,
        [e.amount_value for e in escrows],
    )
    assert row is not None
    bout.created_at, bout.updated_at = row[0], row[1]


# --- reading one -----------------------------------------------------------------------------

_BOUT_WITH_ESCROWS = f"""
SELECT {", ".join(f"b.{c.strip()}" for c in _BOUT.split(","))},
       {", ".join(f"e.{c.strip()}" for c in _ESCROW.split(","))}
FROM bouts b JOIN escrows e ON e.bout_id = b.id
WHERE b.id = $1
ORDER BY e.kind
"""
# A reconcile's first look, before it asks the signing side (without a lock): the bout, and the
# sign request with this payload id issued for its escrow of this kind in this phase, if any.
_WITH_ATTEMPT = f"""
SELECT {", ".join(f"b.{c.strip()}" for c in _BOUT.split(","))},
       {", ".join(f"a.{column}" for column in ATTEMPT_COLUMNS)}
FROM bouts b
JOIN escrows e ON e.bout_id = b.id AND e.kind = $2
LEFT JOIN signing_attempts a ON a.escrow_id = e.id AND a.payload_id = $3 AND a.phase = $4
WHERE b.id = $1
"""


async def with_attempt(
    conn: Connection,
    bout_id: uuid.UUID,
    *,
    kind: EscrowKind,
    phase: SigningPhase,
    payload_id: str,
) -> tuple[BoutRow, AttemptRow | None] | None:
    """The bout (without its escrows) and the attempt, as committed; None without the bout."""
    row = await conn.fetchrow(_WITH_ATTEMPT, bout_id, kind.value, payload_id, phase.value)
    if row is None:
        return None
    attempt = attempt_of(row, _BOUT_FIELDS) if row[_BOUT_FIELDS] is not None else None
    return _bout(row), attempt


# Every request that moves a bout or an escrow holds the bout and its four escrows locked until
# it commits. FOR NO KEY UPDATE (what an UPDATE itself takes) rather than FOR UPDATE: rows that
# only reference them (sign requests, audit rows, stored outcomes) can still be inserted beside.
# Under READ COMMITTED a locked row is returned as its latest committed version, even when the
# lock had to wait, so the escrows are current; the escrows are locked by id, the order in which
# `ringledger rotate-preimage-key` takes them too. `hash_used`: whether any escrow move already
# used the transaction hash (one ledger transaction settles one escrow move: `ledger_moves`,
# whose primary key also refuses a move recorded by a request this snapshot cannot see yet);
# now(): the transaction's timestamp, which every row the unit writes carries as updated_at.
_LOCKED = f"""
SELECT {", ".join(f"b.{c.strip()}" for c in _BOUT.split(","))},
       {", ".join(f"e.{c.strip()}" for c in _ESCROW.split(","))},
       EXISTS (SELECT 1 FROM ledger_moves used WHERE used.tx_hash = $2) AS hash_used,
       now()
FROM bouts b JOIN escrows e ON e.bout_id = b.id
WHERE b.id = $1
ORDER BY e.id
FOR NO KEY UPDATE OF b, e
"""
_LOCKED_IF_FREE = _LOCKED.replace("OF b, e", "OF b, e SKIP LOCKED")
# As _LOCKED, with one sign request of the bout locked beside, as stored now, and whether it is
# its escrow's newest of its phase (recording what became of it needs both).
_LOCKED_WITH_ATTEMPT = f"""
SELECT {", ".join(f"b.{c.strip()}" for c in _BOUT.split(","))},
       {", ".join(f"e.{c.strip()}" for c in _ESCROW.split(","))},
       {", ".join(f"a.{column}" for column in ATTEMPT_COLUMNS)},
       NOT EXISTS (
           SELECT 1 FROM signing_attempts newer
           WHERE newer.escrow_id = a.escrow_id AND newer.phase = a.phase
             AND (newer.created_at, newer.id) > (a.created_at, a.id)
       ) AS newest,
       now()
FROM bouts b JOIN escrows e ON e.bout_id = b.id JOIN signing_attempts a ON a.id = $2
WHERE b.id = $1 AND a.bout_id = b.id
ORDER BY e.id
FOR NO KEY UPDATE OF b, e, a
"""
_LOCKED_WITH_ATTEMPT_IF_FREE = _LOCKED_WITH_ATTEMPT.replace("OF b, e, a", "OF b, e, a SKIP LOCKED")
ESCROWS_PER_BOUT = len(EscrowKind)
_KIND_ORDER = {kind: index for index, kind in enumerate(EscrowKind)}


@dataclass(frozen=True, slots=True)
class Locked:
    """A bout and its escrows under the unit's lock (and a sign request of it, when asked)."""

    bout: BoutRow
    hash_used: bool = False  # the confirm's transaction hash already settled an escrow move
    attempt: AttemptRow | None = None  # as stored now
    newest: bool = False  # no later attempt of the same escrow and phase


async def load_bout(conn: Connection, bout_id: uuid.UUID) -> BoutRow | None:
    """The bout and its four escrows, as committed (no lock)."""
    rows = await conn.fetch(_BOUT_WITH_ESCROWS, bout_id)
    if not rows:
        return None
    bout = _bout(rows[0])
    bout.escrows = [_escrow(row, _BOUT_FIELDS) for row in rows]
    return bout


async def lock_bout(
    tx: Tx,
    bout_id: uuid.UUID,
    *,
    tx_hash: str | None = None,
    attempt_id: uuid.UUID | None = None,
    wait: bool = True,
) -> Locked | None:
    """The bout and its escrows, locked until the transaction ends: every confirm, reconcile
    recording, result entry and withdrawal of a bout runs one at a time.

    With `tx_hash`, whether an escrow move already used that transaction; with `attempt_id`,
    that sign request of the bout, locked too. None when the bout (or the sign request) does
    not exist, or (`wait=False`) when another request holds one of the rows.
    """
    if attempt_id is None:
        statement = _LOCKED if wait else _LOCKED_IF_FREE
        rows = await tx.conn.fetch(statement, bout_id, tx_hash)
    else:
        statement = _LOCKED_WITH_ATTEMPT if wait else _LOCKED_WITH_ATTEMPT_IF_FREE
        rows = await tx.conn.fetch(statement, bout_id, attempt_id)
    if len(rows) < ESCROWS_PER_BOUT:  # no such bout; or some of its rows are held elsewhere
        return None
    first = rows[0]
    bout = _bout(first)
    bout.escrows = sorted(
        (_escrow(row, _BOUT_FIELDS) for row in rows), key=lambda escrow: _KIND_ORDER[escrow.kind]
    )
    tx.now = first[-1]
    if attempt_id is not None:
        attempt = attempt_of(first, _BOUT_FIELDS + _ESCROW_FIELDS)
        return Locked(bout, attempt=attempt, newest=bool(first[-2]))
    # The EXISTS saw the snapshot from before any wait for the lock; this bout's own escrows
    # are read as they are now.
    used_here = tx_hash is not None and any(
        tx_hash in (escrow.create_tx_hash, escrow.close_tx_hash) for escrow in bout.escrows
    )
    return Locked(bout, hash_used=bool(first[-2]) or used_here)


# --- changing one ----------------------------------------------------------------------------
# Queued in the unit of work (`Tx.queue`): written with its other writes and audit rows in one
# statement, before its next read or its commit.

_SAVE_ESCROW = """
UPDATE escrows SET status = $2, offer_sequence = $3, create_tx_hash = $4, close_tx_hash = $5,
                   failure_code = $6, failure_reason = $7, closed_by_address = $8,
                   anomaly_reason = $9, anomaly_at = $10, create_ledger_index = $11,
                   delivered_value = $12, updated_at = now()
WHERE id = $1
"""
_SAVE_BOUT = """
UPDATE bouts SET status = $2, outcome = $3, transfer_rate = $4, updated_at = now() WHERE id = $1
"""


def save_escrow(tx: Tx, escrow: EscrowRow) -> None:
    """Store the escrow's status, ledger references and failure as they are now."""
    tx.queue(
        [("escrow", escrow.id)],
        _SAVE_ESCROW,
        escrow.id,
        escrow.status.value,
        escrow.offer_sequence,
        escrow.create_tx_hash,
        escrow.close_tx_hash,
        escrow.failure_code,
        escrow.failure_reason,
        escrow.closed_by_address,
        escrow.anomaly_reason,
        escrow.anomaly_at,
        escrow.create_ledger_index,
        escrow.delivered_value,
    )


_RECORD_MOVE = "INSERT INTO ledger_moves (tx_hash, escrow_id, move) VALUES ($1, $2, $3)"
_MOVE_RECORDED = "SELECT EXISTS (SELECT 1 FROM ledger_moves WHERE tx_hash = upper($1))"


async def move_recorded(conn: Connection, tx_hash: str) -> bool:
    """Whether the ledger transaction `tx_hash` is recorded as an escrow's move already."""
    return bool(await conn.fetchval(_MOVE_RECORDED, tx_hash))


def record_move(tx: Tx, escrow: EscrowRow, *, tx_hash: str, move: str) -> None:
    """Record that the ledger transaction `tx_hash` moved the escrow (`create`, `finish` or
    `cancel`); a transaction that already moved an escrow makes the unit's commit fail."""
    tx.queue([("ledger_move", tx_hash)], _RECORD_MOVE, tx_hash, escrow.id, move)


def save_bout(tx: Tx, bout: BoutRow) -> None:
    """Store the bout's status and outcome as they are now (only ever under its lock, which
    told the unit its timestamp)."""
    assert tx.now is not None, "a bout is saved only after lock_bout"
    bout.updated_at = tx.now
    tx.queue(
        [("bout", bout.id)],
        _SAVE_BOUT,
        bout.id,
        bout.status.value,
        bout.outcome.value if bout.outcome else None,
        bout.transfer_rate,
    )


# The bout's signing lock (transaction-scoped, advisory), taken once, then the bout and its
# escrows. The rows come from the snapshot the statement started with, before any wait for the
# lock; see `load_bout_for_signing`.
_SIGNING_LOCK_THEN_BOUT = f"""
WITH signing_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtextextended($2, 0)))
SELECT {", ".join(f"b.{c.strip()}" for c in _BOUT.split(","))},
       {", ".join(f"e.{c.strip()}" for c in _ESCROW.split(","))}
FROM signing_lock, bouts b JOIN escrows e ON e.bout_id = b.id
WHERE b.id = $1
ORDER BY e.kind
"""


async def load_bout_for_signing(tx: Tx, bout_id: uuid.UUID) -> BoutRow | None:
    """Take the bout's signing lock, then read the bout and its escrows (no row lock).

    Until the transaction ends, the requests that issue or withdraw the bout's sign requests
    run one at a time (bounded by the lock timeout). The bout and escrows returned may predate
    a request that held the lock before us (a withdrawal moves the bout), and confirms and
    reconciles do not take this lock at all: the prepare and the withdrawal check the rows
    again under the bout's row lock (`lock_bout`) before they store anything.
    """
    rows = await tx.conn.fetch(_SIGNING_LOCK_THEN_BOUT, bout_id, f"prepare:{bout_id}")
    if not rows:
        return None
    bout = _bout(rows[0])
    bout.escrows = [_escrow(row, _BOUT_FIELDS) for row in rows]
    return bout


# --- views ---------------------------------------------------------------------------------

# Each escrow with its newest sign request of the promoter's (the newest by insertion; ties by
# id); a fighter's claim is theirs, not the escrow's flow.
_ESCROWS_FOR_VIEW = f"""
SELECT {", ".join(f"e.{c.strip()}" for c in _ESCROW.split(","))},
       s.payload_id, s.status, s.updated_at
FROM escrows e
LEFT JOIN LATERAL (
    SELECT a.payload_id, a.status, a.updated_at FROM signing_attempts a
    WHERE a.escrow_id = e.id AND a.phase <> 'claim'
    ORDER BY a.created_at DESC, a.id DESC LIMIT 1
) s ON true
WHERE e.bout_id = ANY($1::uuid[])
ORDER BY e.bout_id, e.kind
"""

ViewEscrows = dict[uuid.UUID, list[tuple[EscrowRow, LatestSigning | None]]]


async def escrows_for_view(conn: Connection, bout_ids: list[uuid.UUID]) -> ViewEscrows:
    """The escrows of these bouts with their newest sign requests, by bout."""
    found: ViewEscrows = {bout_id: [] for bout_id in bout_ids}
    if not bout_ids:
        return found
    for row in await conn.fetch(_ESCROWS_FOR_VIEW, bout_ids):
        escrow = _escrow(row)
        signing = (
            LatestSigning(row[_ESCROW_FIELDS], row[_ESCROW_FIELDS + 1], row[_ESCROW_FIELDS + 2])
            if row[_ESCROW_FIELDS] is not None
            else None
        )
        found[escrow.bout_id].append((escrow, signing))
    return found


_BOUT_BY_ID = f"SELECT {_BOUT} FROM bouts WHERE id = $1"


async def bout_only(conn: Connection, bout_id: uuid.UUID) -> BoutRow | None:
    """The bout row without its escrows."""
    row = await conn.fetchrow(_BOUT_BY_ID, bout_id)
    return _bout(row) if row is not None else None


# --- pages ---------------------------------------------------------------------------------
# Newest first by (created_at, id), a keyset page at a time; each statement is served by its
# own index (migration 0005), so a page costs the same a thousand pages deep.

_ORDER = "ORDER BY created_at DESC, id DESC"
_BEFORE = "(created_at, id) < ($2, $3)"
_PAGE_ALL = f"SELECT {_BOUT} FROM bouts WHERE (created_at, id) < ($1, $2) {_ORDER} LIMIT $3"
_PAGE_ALL_IN_STATUS = (
    f"SELECT {_BOUT} FROM bouts WHERE status = $4 AND (created_at, id) < ($1, $2) {_ORDER} LIMIT $3"
)
_PAGE_PROMOTER = (
    f"SELECT {_BOUT} FROM bouts WHERE promoter_user_id = $1 AND {_BEFORE} {_ORDER} LIMIT $4"
)
_PAGE_PROMOTER_IN_STATUS = (
    f"SELECT {_BOUT} FROM bouts WHERE promoter_user_id = $1 AND status = $5 AND {_BEFORE}"
    f" {_ORDER} LIMIT $4"
)
# A fighter is in one corner or the other (never both): two ordered index scans, merged.
_PAGE_FIGHTER = f"""
SELECT {_BOUT} FROM (
    (SELECT {_BOUT} FROM bouts WHERE fighter_a_user_id = $1 AND {_BEFORE} {_ORDER} LIMIT $4)
    UNION ALL
    (SELECT {_BOUT} FROM bouts WHERE fighter_b_user_id = $1 AND {_BEFORE} {_ORDER} LIMIT $4)
) AS page {_ORDER} LIMIT $4
"""
_PAGE_FIGHTER_IN_STATUS = f"""
SELECT {_BOUT} FROM (
    (SELECT {_BOUT} FROM bouts WHERE fighter_a_user_id = $1 AND status = $5 AND {_BEFORE}
     {_ORDER} LIMIT $4)
    UNION ALL
    (SELECT {_BOUT} FROM bouts WHERE fighter_b_user_id = $1 AND status = $5 AND {_BEFORE}
     {_ORDER} LIMIT $4)
) AS page {_ORDER} LIMIT $4
"""


async def page(
    conn: Connection,
    *,
    scope: str,
    user_id: uuid.UUID,
    status: BoutStatus | None,
    before: tuple[datetime, uuid.UUID],
    limit: int,
) -> list[BoutRow]:
    """Up to `limit` bouts of the scope (`all`, `promoter`, `fighter`) before the keyset."""
    rows: list[asyncpg.Record]
    if scope == "all":
        if status is None:
            rows = await conn.fetch(_PAGE_ALL, *before, limit)
        else:
            rows = await conn.fetch(_PAGE_ALL_IN_STATUS, *before, limit, status.value)
    else:
        query = {
            ("promoter", False): _PAGE_PROMOTER,
            ("promoter", True): _PAGE_PROMOTER_IN_STATUS,
            ("fighter", False): _PAGE_FIGHTER,
            ("fighter", True): _PAGE_FIGHTER_IN_STATUS,
        }[(scope, status is not None)]
        extra = (status.value,) if status is not None else ()
        rows = await conn.fetch(query, user_id, *before, limit, *extra)
    return [_bout(row) for row in rows]
