"""A fresh PostgreSQL database per test run: on DATABASE_URL's server or the embedded one."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from ringledger.core.database import start_embedded_server

TEST_DATA_DIR = Path(os.environ.get("RINGLEDGER_TEST_DATA_DIR", ".ringledger-test")).resolve()
TABLES = (
    "idempotency_keys",
    "audit_log",
    "signing_attempts",
    "ledger_moves",
    "escrows",
    "bouts",
    "fighter_profiles",
    "login_failures",
    "registrations",
    "users",
)


def server_admin_uri() -> str:
    """libpq URI of a database on the server we may use to create and drop test databases."""
    external = os.environ.get("DATABASE_URL")
    if external:
        return make_url(external).set(drivername="postgresql").render_as_string(hide_password=False)
    return start_embedded_server(TEST_DATA_DIR)


def create_database(admin_uri: str, prefix: str = "ringledger_test") -> URL:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        # Test data need not survive a power cut; commits stay atomic and isolated.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return make_url(admin_uri).set(drivername="postgresql+psycopg", database=name)


def drop_database(admin_uri: str, url: URL) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def libpq(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def truncate_all(url: URL) -> None:
    from tests.support.db_state import execute

    execute(url, f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
