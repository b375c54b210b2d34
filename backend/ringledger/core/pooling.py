"""How the service's connections reach PostgreSQL: directly, or through a pooler in transaction
mode (RINGLEDGER_DB_POOLER, docs/deployment.md).

Directly (or through a session pooler) a connection is the service's own for its lifetime: it
prepares each statement once and keeps it by name (asyncpg's statement cache), and the lock
timeout is a setting of its session. A transaction-mode pooler (PgBouncer `pool_mode =
transaction`) lends a server connection for one transaction at a time, and the next client gets
whatever that transaction left on it: a statement prepared by name on one server connection is
missing on the next (or already there), and a session setting leaks. So, in that mode, asyncpg
keeps no statement by name (each is described, then re-sent unnamed with its values in the
same message as its execution: two round trips instead of one), no setting is sent at start-up
beyond the application name, and the lock timeout is set inside each transaction, in the same
round trip as its BEGIN. The service keeps nothing else on a connection: no LISTEN, no temporary
table, and only transaction-scoped advisory locks (the start-up migration's too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, Protocol, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Pooler: TypeAlias = Literal["none", "transaction"]
Pooled: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"  # generic only in the type stubs
"""A connection lent by the pool for one unit of work."""

# asyncpg's default number of prepared statements kept per connection.
_STATEMENT_CACHE = 100


@dataclass(frozen=True)
class Session:
    """What a pool's connections are opened with, and how a transaction begins on them."""

    settings: dict[str, str]
    statement_cache_size: int
    begin: str | None  # None: asyncpg's own BEGIN, the session's settings apply

    @classmethod
    def of(cls, pooler: Pooler, *, lock_timeout: timedelta) -> Session:
        """The session for connections through `pooler`, with every lock wait bounded."""
        milliseconds = max(1, int(lock_timeout.total_seconds() * 1000))
        if pooler == "transaction":
            return cls(
                {"application_name": "ringledger"},
                statement_cache_size=0,
                begin=f"BEGIN; SET LOCAL lock_timeout = {milliseconds}",
            )
        return cls(
            {"application_name": "ringledger", "lock_timeout": str(milliseconds)},
            statement_cache_size=_STATEMENT_CACHE,
            begin=None,
        )


class Transaction(Protocol):
    """asyncpg's transaction, or a PooledTransaction."""

    async def start(self) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class PooledTransaction:
    """A transaction begun with its own settings (`SET LOCAL`) in one simple-protocol message."""

    __slots__ = ("_begin", "_conn")

    def __init__(self, conn: Pooled, begin: str) -> None:
        self._conn, self._begin = conn, begin

    async def start(self) -> None:
        await self._conn.execute(self._begin)

    async def commit(self) -> None:
        await self._conn.execute("COMMIT")

    async def rollback(self) -> None:
        await self._conn.execute("ROLLBACK")
