"""Read-only looks straight into the database, to check what the API did not say."""

from __future__ import annotations

import functools
import time
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import URL

from tests.support.database import libpq


@functools.cache
def _connection(uri: str) -> psycopg.Connection[dict[str, Any]]:
    # One autocommit connection per database for the whole run: each query sees committed data.
    return psycopg.connect(uri, autocommit=True, row_factory=dict_row)


def rows(database: URL, sql: str, *params: Any) -> list[dict[str, Any]]:
    return list(_connection(libpq(database)).execute(sql, params).fetchall())


def execute(database: URL, sql: str, *params: Any) -> None:
    _connection(libpq(database)).execute(sql, params)


def audit(database: URL, bout_id: str) -> list[dict[str, Any]]:
    return rows(database, "SELECT * FROM audit_log WHERE bout_id = %s ORDER BY id", bout_id)


def escrows(database: URL, bout_id: str) -> dict[str, dict[str, Any]]:
    found = rows(database, "SELECT * FROM escrows WHERE bout_id = %s", bout_id)
    return {row["kind"]: row for row in found}


def bout_status(database: URL, bout_id: str) -> str:
    return str(rows(database, "SELECT status FROM bouts WHERE id = %s", bout_id)[0]["status"])


def wait_for_lock_waiters(
    database: URL, count: int = 1, *, blocked_by: int | None = None, timeout: float = 15.0
) -> None:
    """Return once `count` sessions of this database are waiting on a lock (pg_stat_activity);
    with `blocked_by` (a backend's pid), only sessions that this backend holds up count.

    Tests that must order concurrent requests observe the blocked backend instead of sleeping
    and hoping it got there; a wait that never happens fails the test, naming every session.
    """
    waiting = (
        "SELECT count(*) AS n FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    if blocked_by is not None:
        waiting += " AND %s = ANY(pg_blocking_pids(pid))"
    params = () if blocked_by is None else (blocked_by,)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if rows(database, waiting, *params)[0]["n"] >= count:
            return
        time.sleep(0.01)
    sessions = rows(
        database,
        "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid) AS blocked_by,"
        " left(query, 80) AS query FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    whom = "" if blocked_by is None else f" behind backend {blocked_by}"
    raise AssertionError(
        f"no {count} session(s) waiting on a lock{whom} after {timeout} s; sessions: {sessions}"
    )
