"""Every SQL statement of the service stays index-driven as the tables grow.

The statements are found, not listed: every module-level SQL string of the `ringledger` package
(the hot paths' statements, the reconcile worker's poll, the purges, the CLI's). Each is planned
on a filled database the way the service runs it — as a prepared statement with a generic plan
(`EXPLAIN (GENERIC_PLAN)`, PostgreSQL 16+), which PostgreSQL switches to after a few executions —
and a sequential scan of one of the big tables fails the test, naming the statement. A
statement that reads a whole table by design is listed in WHOLE_TABLE with the reason.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import asyncpg
import psycopg
import pytest
from sqlalchemy.engine import URL

import ringledger
from ringledger.bouts import queries
from tests.performance.fill import accounts, fill
from tests.support.database import libpq

BIG_TABLES = frozenset({"bouts", "escrows", "signing_attempts", "audit_log", "idempotency_keys"})
WHOLE_TABLE = {
    # `ringledger rotate-preimage-key` counts what it is about to re-encrypt, once per run.
    "ringledger.bouts.preimages._COUNT": "escrows",
    # `ringledger ledger-check` of every bout reads each signed EscrowCreate once per run, to
    # find those whose escrow is still recorded planned (an operator's command).
    "ringledger.settlement.queries._SIGNED_UNCONFIRMED": "signing_attempts",
}
FILLED_BOUTS = 3_000
_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


def service_statements() -> Iterator[tuple[str, str]]:
    """(module.NAME, text) of every module-level SQL string in the package."""
    for module_info in pkgutil.walk_packages(ringledger.__path__, "ringledger."):
        if ".migrations" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in sorted(vars(module).items()):
            if isinstance(value, str) and _SQL.match(value):
                yield f"{module_info.name}.{name}", value


def sequential_scans(plan: dict[str, Any]) -> set[str]:
    """The relations a plan (EXPLAIN … FORMAT JSON) reads with a Seq Scan."""
    found = set()
    if plan.get("Node Type") == "Seq Scan":
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= sequential_scans(child)
    return found


def rows_read(plan: dict[str, Any], table: str) -> int:
    """How many rows of `table` the executed plan (EXPLAIN ANALYZE … FORMAT JSON) looked at."""
    total = 0
    if plan.get("Relation Name") == table:
        loops = plan.get("Actual Loops", 1)
        total += (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)) * loops
    for child in plan.get("Plans", []):
        total += rows_read(child, table)
    return total


def test_the_statements_are_found() -> None:
    names = dict(service_statements())
    # A few the hot paths cannot do without: if these vanish, the discovery broke.
    for expected in (
        "ringledger.bouts.queries._LOCKED",
        "ringledger.bouts.queries._ACCESS_WITH_STORED",
        "ringledger.signing.queries._CLAIM_OPEN",
        "ringledger.idempotency.queries._PURGE",
        "ringledger.core.db._AUDIT_INSERT",
    ):
        assert expected in names
    # 60 module-level statements when this was written: far fewer means the discovery broke.
    assert len(names) >= 55


def test_no_statement_scans_a_big_table(database: URL) -> None:
    uri = libpq(database)
    fill(uri, bouts=FILLED_BOUTS, seed=11)
    with psycopg.connect(uri, autocommit=True) as conn:
        version = conn.info.server_version
        if version < 160000:
            pytest.skip(f"EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16+, the server is {version}")
        conn.execute("ANALYZE")
        scanned: dict[str, set[str]] = {}
        for name, statement in service_statements():
            row = conn.execute(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {statement}").fetchone()
            assert row is not None
            tables = sequential_scans(row[0][0]["Plan"]) & BIG_TABLES
            tables.discard(WHOLE_TABLE.get(name, ""))
            if tables:
                scanned[name] = tables
    assert scanned == {}


PAGE = 50


def test_a_page_reads_only_its_own_rows(database: URL) -> None:
    """Every listing (all, a busy promoter's, a busy fighter's; with a status or not; the first
    page and one 1,000 bouts deep) reads a page or two of bouts in index order, not the
    account's history (a common status may be filtered along the account's own index)."""
    uri = libpq(database)
    fill(uri, bouts=FILLED_BOUTS, seed=13)
    read = asyncio.run(_rows_read_per_page(uri, accounts(13)))
    too_many = {listing: rows for listing, rows in read.items() if rows > 4 * (PAGE + 1)}
    assert len(read) >= 12 and too_many == {}


async def _rows_read_per_page(uri: str, busy: Any) -> dict[str, int]:
    conn = await asyncpg.connect(uri)
    try:
        await conn.execute("ANALYZE bouts")
        users = {
            role: await conn.fetchval("SELECT id FROM users WHERE email = $1", address)
            for role, address in (
                ("promoter", busy.busy_promoter_email),
                ("fighter", busy.busy_fighter_email),
            )
        }
        read: dict[str, int] = {}
        for scope, status in [(s, st) for s in ("all", "promoter", "fighter") for st in _STATUSES]:
            user_id = users.get(scope)
            for depth in (0, 1_000):
                before = await _keyset(conn, scope, user_id, status, depth)
                if before is None:
                    continue  # the scope has fewer bouts than that
                statement, args = _page_statement(scope, user_id, status, before)
                plan = json.loads(
                    await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", *args)
                )
                read[f"{scope} status={status} depth={depth}"] = rows_read(plan[0]["Plan"], "bouts")
        return read
    finally:
        await conn.close()


_STATUSES = (None, "closed", "draft")
_SCOPE_WHERE = {
    "all": "true",
    "promoter": "promoter_user_id = $1",
    "fighter": "$1 IN (fighter_a_user_id, fighter_b_user_id)",
}


async def _keyset(
    conn: asyncpg.Connection, scope: str, user_id: uuid.UUID | None, status: str | None, depth: int
) -> tuple[datetime, uuid.UUID] | None:
    """The keyset after the first `depth` bouts of the listing (the test's own way to skip)."""
    if depth == 0:
        return queries.FIRST_PAGE
    where = _SCOPE_WHERE[scope].replace("$1", "$3")
    row = await conn.fetchrow(
        f"SELECT created_at, id FROM bouts WHERE {where} AND ($2::text IS NULL OR status::text = $2)"
        " ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1",
        depth - 1,
        status,
        *([user_id] if scope != "all" else []),
    )
    return (row[0], row[1]) if row is not None else None


def _page_statement(
    scope: str, user_id: uuid.UUID | None, status: str | None, before: tuple[datetime, uuid.UUID]
) -> tuple[str, list[Any]]:
    """The statement `queries.page` runs for this listing, and its arguments."""
    if scope == "all":
        if status is None:
            return queries._PAGE_ALL, [*before, PAGE + 1]
        return queries._PAGE_ALL_IN_STATUS, [*before, PAGE + 1, status]
    statement = {
        ("promoter", False): queries._PAGE_PROMOTER,
        ("promoter", True): queries._PAGE_PROMOTER_IN_STATUS,
        ("fighter", False): queries._PAGE_FIGHTER,
        ("fighter", True): queries._PAGE_FIGHTER_IN_STATUS,
    }[(scope, status is not None)]
    return statement, [user_id, *before, PAGE + 1, *([status] if status else [])]
