"""The service's database layer through a real PgBouncer (Debian's, 1.18 here: no prepared
statement support) in transaction mode, configured as docs/deployment.md shows.

A transaction may run on any server connection, and the next client of that connection gets
whatever it left there. With RINGLEDGER_DB_POOLER=transaction the pool opens through the pooler,
statements keep working while one client connection's transactions move between server
connections, a lock wait stays bounded without leaving its setting behind, and the migration
lock is released with its transaction.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

import anyio
import asyncpg
import psycopg
import pytest
from sqlalchemy.engine import URL

from ringledger.core import migrations
from ringledger.core.db import Database
from ringledger.core.errors import DatabaseUnavailable
from tests.support.database import libpq
from tests.support.deployment import pgbouncer

WAIT = timedelta(seconds=1)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def pooled(database: URL) -> Iterator[URL]:
    with pgbouncer(database) as pooler:
        yield pooler.url


@pytest.mark.anyio
async def test_a_pool_made_for_direct_connections_is_refused_by_the_pooler(pooled: URL) -> None:
    # The session settings a direct pool sends at start-up are what PgBouncer refuses: proof
    # that the pooler in front is the strict one.
    with pytest.raises(DatabaseUnavailable) as refused:
        db = await Database.connect(pooled, pool_size=1, lock_timeout=WAIT)
        await db.close()
    assert "unsupported startup parameter: lock_timeout" in str(refused.value.__cause__)


@pytest.mark.anyio
async def test_statements_work_while_transactions_move_between_server_connections(
    pooled: URL,
) -> None:
    db = await Database.connect(
        pooled, pool_size=6, min_size=6, lock_timeout=WAIT, pooler="transaction"
    )
    backends: dict[int, set[int]] = defaultdict(set)

    async def unit(number: int) -> None:
        async with db.unit() as unit:
            # A read outside a transaction, then a transaction with a write and a read.
            assert await unit.conn.fetchval("SELECT $1::int + 1", number) == number + 1
            async with unit.transaction() as tx:
                backend = await tx.conn.fetchval("SELECT pg_backend_pid()")
                await tx.conn.execute("SELECT pg_advisory_xact_lock($1)", number)
                assert await tx.conn.fetchval("SELECT $1::text", str(number)) == str(number)
            backends[id(unit.conn._con)].add(backend)

    try:
        for _ in range(10):
            await asyncio.gather(*(unit(number) for number in range(24)))
    finally:
        await db.close()
    # The test means something only if some client connection met several server connections.
    assert max(len(seen) for seen in backends.values()) > 1, dict(backends)


@pytest.mark.anyio
async def test_a_lock_wait_is_bounded_and_its_setting_ends_with_its_transaction(
    database: URL, pooled: URL
) -> None:
    db = await Database.connect(pooled, pool_size=1, lock_timeout=WAIT, pooler="transaction")
    holder = await asyncpg.connect(libpq(database))
    try:
        await holder.execute("BEGIN; SELECT pg_advisory_xact_lock(4242)")
        with anyio.fail_after(10), pytest.raises(DatabaseUnavailable) as refused:
            async with db.unit() as unit, unit.transaction() as tx:
                await tx.conn.execute("SELECT pg_advisory_xact_lock(4242)")
        assert refused.value.code == "database_busy"
        async with db.unit() as unit:
            assert await unit.conn.fetchval("SHOW lock_timeout") == "0"
    finally:
        await holder.close()
        await db.close()


def test_the_migration_lock_goes_with_its_transaction(database: URL, pooled: URL) -> None:
    errors: list[BaseException] = []

    def upgrade() -> None:
        try:
            migrations.upgrade(pooled)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=upgrade) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert migrations.current_revision(pooled) == migrations.head_revision()
    with psycopg.connect(libpq(database), autocommit=True) as conn:
        held = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        ).fetchone()
    assert held == (0,)
