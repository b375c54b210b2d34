"""The unit of work on real PostgreSQL: queued writes, and the bounded wait for a connection."""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest
from sqlalchemy.engine import URL

from ringledger.core.db import Database
from ringledger.core.errors import DatabaseUnavailable

WAIT = timedelta(seconds=5)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _scratch(db: Database) -> None:
    async with db.unit() as unit:
        await unit.conn.execute("CREATE TEMP TABLE IF NOT EXISTS scratch (id int, v text)")


@pytest.mark.anyio
async def test_a_row_inserted_then_updated_in_one_unit_ends_updated(database: URL) -> None:
    # The parts of one statement share a snapshot: an UPDATE beside the INSERT of the same row
    # would see no row and change nothing.
    db = await Database.connect(database, pool_size=1, lock_timeout=WAIT)
    try:
        await _scratch(db)
        async with db.unit() as unit:
            async with unit.transaction() as tx:
                tx.queue([("scratch", 1)], "INSERT INTO scratch VALUES ($1, $2)", 1, "inserted")
                tx.queue([("scratch", 1)], "UPDATE scratch SET v = $2 WHERE id = $1", 1, "updated")
            assert await unit.conn.fetchval("SELECT v FROM scratch WHERE id = 1") == "updated"
    finally:
        await db.close()


@pytest.mark.anyio
async def test_the_same_write_queued_again_goes_out_once_in_its_latest_state(
    database: URL,
) -> None:
    db = await Database.connect(database, pool_size=1, lock_timeout=WAIT)
    try:
        await _scratch(db)
        insert = "INSERT INTO scratch VALUES ($1, $2)"
        async with db.unit() as unit:
            async with unit.transaction() as tx:
                tx.queue([("scratch", 2)], insert, 2, "first")
                tx.queue([("scratch", 3)], insert, 3, "other")
                tx.queue([("scratch", 2)], insert, 2, "latest")
                # A read of the unit's sends what is queued first.
                seen = await tx.conn.fetch("SELECT id, v FROM scratch ORDER BY id")
            assert [tuple(row) for row in seen] == [(2, "latest"), (3, "other")]
    finally:
        await db.close()


@pytest.mark.anyio
async def test_a_request_waits_a_bounded_time_for_a_connection(database: URL) -> None:
    db = await Database.connect(
        database, pool_size=1, lock_timeout=WAIT, pool_wait=timedelta(milliseconds=200)
    )
    try:
        async with db.unit():
            with anyio.fail_after(10), pytest.raises(DatabaseUnavailable) as refused:
                async with db.unit():
                    pass
        assert refused.value.code == "database_busy"
        assert refused.value.status == 503
        async with db.unit() as unit:  # freed: the next request gets the connection
            assert await unit.conn.fetchval("SELECT 1") == 1
    finally:
        await db.close()
