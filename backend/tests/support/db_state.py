"""Read-only looks straight into the database, to check what the API did not say."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import URL

from tests.support.database import libpq


def rows(database: URL, sql: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(libpq(database), row_factory=dict_row) as conn:
        return list(conn.execute(sql, params).fetchall())


def audit(database: URL, bout_id: str) -> list[dict[str, Any]]:
    return rows(database, "SELECT * FROM audit_log WHERE bout_id = %s ORDER BY id", bout_id)


def escrows(database: URL, bout_id: str) -> dict[str, dict[str, Any]]:
    found = rows(database, "SELECT * FROM escrows WHERE bout_id = %s", bout_id)
    return {row["kind"]: row for row in found}


def bout_status(database: URL, bout_id: str) -> str:
    return str(rows(database, "SELECT status FROM bouts WHERE id = %s", bout_id)[0]["status"])
