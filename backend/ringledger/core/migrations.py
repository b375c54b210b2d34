"""Alembic, driven from code: upgrade under an advisory lock, and the at-head check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL, Engine

from ringledger.core.config import Settings

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
# Any constant shared by every process of this service; serialises concurrent upgrades. The
# lock is transaction-scoped: behind a transaction-mode pooler a session lock would stay on the
# server connection the pooler lent, and its unlock might run on another one.
_MIGRATION_LOCK = 7_291_004_113


class SchemaNotAtHead(RuntimeError):
    """The database is behind (or ahead of) the code; production never migrates implicitly."""


def alembic_config(url: URL | None = None) -> Config:
    config = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.attributes["url"] = url
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return ",".join(sorted(heads))


def sync_engine(url: URL) -> Engine:
    """A connection-per-use engine for migrations; statement values never reach an error, and
    no statement is prepared by name (a transaction-mode pooler would lose it)."""
    return create_engine(
        url,
        poolclass=pool.NullPool,
        hide_parameters=True,
        connect_args={"prepare_threshold": None},
    )


def current_revision(url: URL) -> str | None:
    engine = sync_engine(url)
    try:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    return ",".join(sorted(heads)) or None


def upgrade(url: URL, revision: str = "head") -> None:
    """Upgrade to `revision`; concurrent callers wait for each other instead of racing."""
    _locked(url, command.upgrade, revision)


def downgrade(url: URL, revision: str) -> None:
    """Downgrade to `revision` under the same lock, so no starting process migrates meanwhile."""
    _locked(url, command.downgrade, revision)


def _locked(url: URL, move: Callable[[Config, str], None], revision: str) -> None:
    engine = sync_engine(url)
    try:
        with engine.connect() as connection:
            # Begins the transaction the whole move runs in (Alembic joins it); its commit, or
            # the rollback of a failed move, releases the lock.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config = alembic_config(url)
            config.attributes["connection"] = connection
            move(config, revision)
            connection.commit()
    finally:
        engine.dispose()


def target_revision(settings: Settings) -> str:
    """The revision this process runs on: head, or the one RINGLEDGER_SCHEMA_REVISION pins."""
    pinned = settings.RINGLEDGER_SCHEMA_REVISION
    if pinned == "head":
        return head_revision()
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(pinned)
    except CommandError as error:
        raise SchemaNotAtHead(
            f"RINGLEDGER_SCHEMA_REVISION={pinned} is not a known revision"
        ) from error
    return pinned


def may_auto_migrate(settings: Settings) -> bool:
    """Only the embedded database and local/test environments migrate without being asked.

    A pinned revision never migrates: during a rollback the operator moves the schema by hand.
    """
    if settings.RINGLEDGER_SCHEMA_REVISION != "head":
        return False
    return settings.uses_embedded_database or not settings.is_production


def prepare_schema(settings: Settings, url: URL) -> None:
    """Bring the schema to head where allowed; elsewhere refuse to run at another revision."""
    if may_auto_migrate(settings):
        upgrade(url)
        return
    current, target = current_revision(url), target_revision(settings)
    if current != target:
        move = (
            "upgrade"
            if settings.RINGLEDGER_SCHEMA_REVISION == "head"
            else f"upgrade|downgrade {target}"
        )
        raise SchemaNotAtHead(
            f"database schema is at {current or 'nothing'}, the code needs {target}: "
            f"run `ringledger migrate {move}` first"
        )
