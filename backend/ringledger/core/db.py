"""The database as requests and commands use it: an asyncpg pool, one transaction per unit of
work, and the audit rows of that unit written together just before it commits.

The statements themselves live next to their domain (`bouts/queries.py`, …), each a named,
parameterized constant beside a small typed function that runs it. asyncpg prepares every
statement once per connection and reuses it, so a request costs a few round trips and almost no
Python between them. SQLAlchemy (the ORM models) remains the schema's description for Alembic.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import AsyncIterator, Hashable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeAlias

import asyncpg
import orjson
from sqlalchemy.engine import URL

from ringledger.core.errors import DatabaseUnavailable, RingLedgerError, StorageConflict
from ringledger.core.pooling import Pooled, PooledTransaction, Pooler, Session, Transaction

# The server refused or dropped us (always about the database).
_DATABASE_GONE = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.TooManyConnectionsError,
)
# Errors that mean "the database went away" only when the connection is broken: the same types
# can come from other I/O inside a unit of work (an outside call), which must pass unchanged.
_TRANSPORT = (OSError, asyncpg.InterfaceError)
_CONFLICTS = (
    asyncpg.UniqueViolationError,
    asyncpg.CheckViolationError,
    asyncpg.ForeignKeyViolationError,
)
# A lock wait that ran out, or that PostgreSQL broke off as a deadlock: transient, retryable.
_BUSY = (asyncpg.exceptions.LockNotAvailableError, asyncpg.exceptions.DeadlockDetectedError)
_UNREACHABLE_DETAIL = "The database is unreachable; nothing was stored. Retry shortly."
_BUSY_DETAIL = "The records are busy with another request; nothing was stored. Retry shortly."
# How long a request waits for a free connection of the pool before 503 database_busy.
_POOL_WAIT = timedelta(seconds=10)

_Batch: TypeAlias = dict[frozenset[Hashable], tuple[str, tuple[Any, ...]]]


@dataclass(frozen=True)
class AuditRow:
    """One audit entry, written with the rest of its unit of work."""

    actor_user_id: Any
    actor_role: str
    action: str
    entity_type: str
    entity_id: str | None
    outcome: str
    bout_id: Any = None
    failure_code: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


_AUDIT_INSERT = """
INSERT INTO audit_log
    (bout_id, actor_user_id, actor_role, action, entity_type, entity_id, outcome, failure_code,
     details)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::jsonb[])
"""
_OUTCOME_STORE = (
    "UPDATE idempotency_keys SET response_status = $2, response_body = $3 WHERE id = $1"
)
_PARAMETER = re.compile(r"\$(\d+)")


class Connection(Protocol):
    """What the statements of every domain run on: a pool connection, or a unit of work's."""

    async def execute(self, query: str, *args: Any) -> str: ...

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]: ...

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...


class Tx:
    """One unit of work inside its transaction, and the writes it has queued.

    Row writes (`queue`) and audit rows wait and go out together as one statement — data-modifying
    CTEs — instead of a round trip each: before the next statement the unit runs (so its own
    reads always see them), or just before the commit, with the stored outcome of its
    Idempotency-Key.

    The parts of one statement share one snapshot and none sees another's changes, so a row is
    never written twice in one statement: the same statement for the same rows queued again
    replaces the earlier one (the latest state wins), and any other write to a row already
    queued (an UPDATE of a row queued for INSERT) starts the next statement.
    """

    __slots__ = ("_batches", "audit", "conn", "now", "outcome", "raw")

    def __init__(self, conn: Pooled) -> None:
        self.raw = conn
        self.conn: Connection = _TxConnection(conn, self)
        self.audit: list[AuditRow] = []
        self.outcome: tuple[int, int, bytes] | None = None
        # The transaction's timestamp (PostgreSQL's now()), once a statement has returned it.
        self.now: datetime | None = None
        # Statements to send in order; each maps the rows it writes to their one write.
        self._batches: list[_Batch] = [{}]

    def queue(self, rows: Iterable[Hashable], statement: str, *args: Any) -> None:
        """Write `rows` (names such as `("escrow", id)`) with `statement`, whose parameters are
        numbered from $1, together with this unit's other pending writes."""
        names = frozenset(rows)
        batch = self._batches[-1]
        queued = batch.get(names)
        if queued is not None and queued[0] == statement:
            del batch[names]  # the same write again: it goes out in its latest place and state
        elif any(names & earlier for earlier in batch):
            batch = {}
            self._batches.append(batch)
        batch[names] = (statement, args)

    def _take_writes(self) -> list[list[tuple[str, tuple[Any, ...]]]]:
        batches, self._batches = self._batches, [{}]
        return [list(batch.values()) for batch in batches]

    def store_outcome(self, record_id: int, status: int, body: bytes) -> None:
        """Write this answer under the claimed key with the rest of the unit of work."""
        self.outcome = (record_id, status, body)

    async def send_rows(self) -> None:
        """Write the queued rows now (before a read of this unit's)."""
        if self._batches[0]:
            for writes in self._take_writes():
                await _write(self.raw, writes)

    async def flush(self) -> None:
        """Write everything pending — rows, audit rows, the outcome — in one statement."""
        *earlier, writes = self._take_writes()
        for batch in earlier:
            await _write(self.raw, batch)
        if self.audit:
            writes.append((_AUDIT_INSERT, _audit_columns(self.audit)))
            self.audit = []
        if self.outcome is not None:
            writes.append((_OUTCOME_STORE, self.outcome))
            self.outcome = None
        await _write(self.raw, writes)


class _TxConnection:
    """A unit of work's connection: its queued rows are written before any other statement."""

    __slots__ = ("_conn", "_tx")

    def __init__(self, conn: Pooled, tx: Tx) -> None:
        self._conn, self._tx = conn, tx

    async def execute(self, query: str, *args: Any) -> str:
        await self._tx.send_rows()
        status: str = await self._conn.execute(query, *args)
        return status

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        await self._tx.send_rows()
        rows: list[asyncpg.Record] = await self._conn.fetch(query, *args)
        return rows

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        await self._tx.send_rows()
        row: asyncpg.Record | None = await self._conn.fetchrow(query, *args)
        return row

    async def fetchval(self, query: str, *args: Any) -> Any:
        await self._tx.send_rows()
        return await self._conn.fetchval(query, *args)


def _audit_columns(rows: list[AuditRow]) -> tuple[list[Any], ...]:
    columns: tuple[list[Any], ...] = tuple([] for _ in range(9))
    for row in rows:
        values = (
            row.bout_id,
            row.actor_user_id,
            row.actor_role,
            row.action,
            row.entity_type,
            row.entity_id,
            row.outcome,
            row.failure_code,
            row.details,
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return columns


async def _write(conn: Pooled, writes: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Run the writes as one statement: alone, or each as a data-modifying CTE of one WITH.

    The parts share one snapshot and none sees another's changes, which is why a row is written
    at most once per statement (`Tx.queue`) and reads are sent after the writes, never beside
    them.
    """
    if not writes:
        return
    if len(writes) == 1:
        statement, args = writes[0]
        await conn.execute(statement, *args)
        return
    parts: list[str] = []
    values: list[Any] = []
    for index, (statement, args) in enumerate(writes):
        parts.append(f"w{index} AS ({_numbered_from(statement, len(values))})")
        values.extend(args)
    await conn.execute("WITH " + ",\n".join(parts) + "\nSELECT 1", *values)


@functools.lru_cache(maxsize=256)
def _numbered_from(statement: str, offset: int) -> str:
    """`statement` with its parameters $1… renumbered to follow `offset` others."""
    return _PARAMETER.sub(lambda found: f"${int(found.group(1)) + offset}", statement.strip())


class Unit:
    """One request's connection (or one step of a command's). Reads run on `conn` directly:
    under READ COMMITTED each statement sees its own snapshot, in a transaction or not, so a
    read-only request needs no BEGIN and COMMIT. Changes run inside `transaction()`.

    `begin` is the statement that starts a transaction behind a transaction-mode pooler; without
    one, asyncpg's own transaction runs, with the session's settings."""

    __slots__ = ("begin", "conn")

    def __init__(self, conn: Pooled, begin: str | None = None) -> None:
        self.conn, self.begin = conn, begin

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One transaction: committed (pending writes first) on success, rolled back otherwise.

        A `RingLedgerError` with `keep_changes` (a refused transition, a recorded confirm
        failure) still commits what was written before it was raised: its audit row must
        survive.
        """
        tx = Tx(self.conn)
        transaction: Transaction = (
            self.conn.transaction()
            if self.begin is None
            else PooledTransaction(self.conn, self.begin)
        )
        await transaction.start()
        try:
            yield tx
        except RingLedgerError as error:
            if not error.keep_changes:
                await transaction.rollback()
                raise
            await tx.flush()
            await transaction.commit()
            raise
        except BaseException:
            with contextlib.suppress(Exception):
                await transaction.rollback()
            raise
        await tx.flush()
        await transaction.commit()


class Database:
    """An asyncpg pool and the one way to run a unit of work on it."""

    def __init__(
        self, pool: asyncpg.Pool, *, pool_wait: timedelta = _POOL_WAIT, begin: str | None = None
    ) -> None:
        self.pool = pool
        self.pool_wait = pool_wait.total_seconds()
        self.begin = begin

    @classmethod
    async def connect(
        cls,
        url: URL,
        *,
        pool_size: int,
        lock_timeout: timedelta,
        pooler: Pooler = "none",
        min_size: int = 1,
        pool_wait: timedelta = _POOL_WAIT,
    ) -> Database:
        """A pool of up to `pool_size` connections; every lock wait is bounded, and so is the
        wait for a free connection (`pool_wait`, then 503 database_busy). `pooler` says how
        DATABASE_URL reaches PostgreSQL (ringledger.core.pooling)."""
        session = Session.of(pooler, lock_timeout=lock_timeout)
        try:
            pool = await asyncpg.create_pool(
                dsn=dsn(url),
                min_size=min(min_size, pool_size),
                max_size=pool_size,
                init=_init_connection,
                reset=_reset_connection,
                server_settings=session.settings,
                statement_cache_size=session.statement_cache_size,
            )
        except (*_DATABASE_GONE, *_TRANSPORT) as error:
            raise DatabaseUnavailable("The database is unreachable.") from error
        return cls(pool, pool_wait=pool_wait, begin=session.begin)

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """A connection for one request, released at its end.

        A constraint that caught a race is a 409 with nothing stored; an unreachable database
        or a lock wait that ran out is a 503 with nothing stored.
        """
        # A free connection is taken at once; only a wait is bounded (asyncpg's timeout costs
        # a timer task, ~40 µs per request, even when nothing has to wait).
        wait = None if self.pool.get_idle_size() > 0 else self.pool_wait
        try:
            conn: Pooled = await self.pool.acquire(timeout=wait)
        except TimeoutError as error:
            # Every connection is busy (slow outside calls, a burst of logins): a bounded wait,
            # then a retryable answer instead of a request that hangs.
            raise DatabaseUnavailable(_BUSY_DETAIL, code="database_busy") from error
        except (*_DATABASE_GONE, *_TRANSPORT) as error:
            raise DatabaseUnavailable(_UNREACHABLE_DETAIL) from error
        try:
            yield Unit(conn, self.begin)
        except _CONFLICTS as error:
            # A UNIQUE or CHECK constraint caught what a concurrent request slipped past the
            # service's own checks: nothing was written, and a retry will see the other one.
            raise StorageConflict(
                "Another request changed the same records at the same moment; nothing was "
                "stored. Re-read the bout and retry."
            ) from error
        except _BUSY as error:
            raise DatabaseUnavailable(_BUSY_DETAIL, code="database_busy") from error
        except _DATABASE_GONE as error:
            raise DatabaseUnavailable(_UNREACHABLE_DETAIL) from error
        except _TRANSPORT as error:
            if conn.is_closed():
                raise DatabaseUnavailable(_UNREACHABLE_DETAIL) from error
            raise
        finally:
            await self.pool.release(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A connection and one transaction on it (commands, the worker)."""
        async with self.unit() as unit, unit.transaction() as tx:
            yield tx


def dsn(url: URL) -> str:
    """The libpq-style URI asyncpg understands (a Unix socket directory stays in `?host=`)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _json_text(value: Any) -> str:
    # JSONB stores the parsed value, so how the text is written (escapes, spacing) is not kept.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_json_text, decoder=orjson.loads, schema="pg_catalog"
        )


async def _reset_connection(conn: asyncpg.Connection) -> None:
    """Between units of work nothing needs resetting (no session settings, no LISTEN, only
    transaction-scoped advisory locks); only a transaction left open is rolled back."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def affected(status: str) -> int:
    """The row count of a command tag such as `DELETE 3` or `UPDATE 1`."""
    return int(status.rsplit(" ", 1)[-1])
