"""The database as requests and commands use it: an asyncpg pool, one transaction per unit of
work, and the audit rows of that unit written together just before it commits.

The statements themselves live next to their domain (`bouts/queries.py`, …), each a named,
parameterized constant beside a small typed function that runs it. asyncpg prepares every
statement once per connection and reuses it, so a request costs a few round trips and almost no
Python between them. SQLAlchemy (the ORM models) remains the schema's description for Alembic.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeAlias

import asyncpg
import orjson
from sqlalchemy.engine import URL

from ringledger.core.errors import DatabaseUnavailable, RingLedgerError, StorageConflict

Connection: TypeAlias = asyncpg.Connection  # a typed name for the driver's connection

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
    asyncpg.exceptions.DeadlockDetectedError,
)
_UNREACHABLE_DETAIL = "The database is unreachable; nothing was stored. Retry shortly."


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


# Everything a unit of work leaves to write at its end, in one statement: its audit rows (any
# number) and the stored outcome of its Idempotency-Key (at most one; none when $10 is NULL).
_FLUSH = """
WITH audit AS (
    INSERT INTO audit_log
        (bout_id, actor_user_id, actor_role, action, entity_type, entity_id, outcome,
         failure_code, details)
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::text[], $9::jsonb[])
), outcome AS (
    UPDATE idempotency_keys SET response_status = $11, response_body = $12 WHERE id = $10
)
SELECT 1
"""


class Tx:
    """One unit of work inside its transaction: the connection, and what it writes at the end
    (its audit rows, the stored outcome of its Idempotency-Key)."""

    __slots__ = ("audit", "conn", "outcome")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.audit: list[AuditRow] = []
        self.outcome: tuple[int, int, bytes] | None = None

    def store_outcome(self, record_id: int, status: int, body: bytes) -> None:
        """Write this answer under the claimed key with the rest of the unit of work."""
        self.outcome = (record_id, status, body)

    async def flush(self) -> None:
        """Write the pending audit rows and outcome in one statement (before every commit)."""
        if not self.audit and self.outcome is None:
            return
        rows, self.audit = self.audit, []
        outcome, self.outcome = self.outcome, None
        columns: list[list[Any]] = [[] for _ in range(9)]
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
        await self.conn.execute(_FLUSH, *columns, *(outcome or (None, None, None)))


class Unit:
    """One request's connection (or one step of a command's). Reads run on `conn` directly:
    under READ COMMITTED each statement sees its own snapshot, in a transaction or not, so a
    read-only request needs no BEGIN and COMMIT. Changes run inside `transaction()`."""

    __slots__ = ("conn",)

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One transaction: committed (pending writes first) on success, rolled back otherwise.

        A `RingLedgerError` with `keep_changes` (a refused transition, a recorded confirm
        failure) still commits what was written before it was raised: its audit row must
        survive.
        """
        tx = Tx(self.conn)
        transaction = self.conn.transaction()
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

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def connect(
        cls, url: URL, *, pool_size: int, lock_timeout: timedelta, min_size: int = 1
    ) -> Database:
        """A pool of up to `pool_size` connections; every lock wait is bounded."""
        milliseconds = max(1, int(lock_timeout.total_seconds() * 1000))
        try:
            pool = await asyncpg.create_pool(
                dsn=dsn(url),
                min_size=min(min_size, pool_size),
                max_size=pool_size,
                init=_init_connection,
                reset=_reset_connection,
                server_settings={
                    "lock_timeout": str(milliseconds),
                    "application_name": "ringledger",
                },
            )
        except (*_DATABASE_GONE, *_TRANSPORT) as error:
            raise DatabaseUnavailable("The database is unreachable.") from error
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """A connection for one request, released at its end.

        A constraint that caught a race is a 409 with nothing stored; an unreachable database
        or a lock wait that ran out is a 503 with nothing stored.
        """
        try:
            conn: Connection = await self.pool.acquire()
        except (*_DATABASE_GONE, *_TRANSPORT) as error:
            raise DatabaseUnavailable(_UNREACHABLE_DETAIL) from error
        try:
            yield Unit(conn)
        except _CONFLICTS as error:
            # A UNIQUE or CHECK constraint caught what a concurrent request slipped past the
            # service's own checks: nothing was written, and a retry will see the other one.
            raise StorageConflict(
                "Another request changed the same records at the same moment; nothing was "
                "stored. Re-read the bout and retry."
            ) from error
        except asyncpg.exceptions.LockNotAvailableError as error:
            raise DatabaseUnavailable(
                "The records are busy with another request; nothing was stored. Retry shortly.",
                code="database_busy",
            ) from error
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
    # Ensure-ASCII JSON as the rest of the service writes it; JSONB normalises it anyway.
    return json.dumps(value, separators=(",", ":"))


async def _init_connection(conn: Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_json_text, decoder=orjson.loads, schema="pg_catalog"
        )


async def _reset_connection(conn: Connection) -> None:
    """Between units of work nothing needs resetting (no session settings, no LISTEN, only
    transaction-scoped advisory locks); only a transaction left open is rolled back."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def affected(status: str) -> int:
    """The row count of a command tag such as `DELETE 3` or `UPDATE 1`."""
    return int(status.rsplit(" ", 1)[-1])
