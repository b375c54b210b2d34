"""The Alembic history on a real, empty PostgreSQL: upgrade → downgrade → upgrade, no drift."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import URL

from ringledger.core import migrations
from ringledger.schema import Base
from tests.support.database import create_database, drop_database, libpq

pytestmark = pytest.mark.no_db


@pytest.fixture
def empty_database(admin_uri: str) -> Iterator[URL]:
    url = create_database(admin_uri, prefix="ringledger_migrations")
    yield url
    drop_database(admin_uri, url)


def tables(url: URL) -> set[str]:
    with psycopg.connect(libpq(url)) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


def enum_types(url: URL) -> set[str]:
    with psycopg.connect(libpq(url)) as conn:
        return {row[0] for row in conn.execute("SELECT typname FROM pg_type WHERE typtype = 'e'")}


def test_up_down_up(empty_database: URL) -> None:
    migrations.upgrade(empty_database)
    assert {
        "users",
        "bouts",
        "escrows",
        "signing_attempts",
        "audit_log",
        "idempotency_keys",
    } <= tables(empty_database)
    assert migrations.current_revision(empty_database) == migrations.head_revision()
    command.downgrade(migrations.alembic_config(empty_database), "base")
    assert tables(empty_database) == {"alembic_version"}
    assert enum_types(empty_database) == set()
    migrations.upgrade(empty_database)
    assert migrations.current_revision(empty_database) == migrations.head_revision()


def test_models_match_the_migrations(empty_database: URL) -> None:
    migrations.upgrade(empty_database)
    engine = create_engine(empty_database, poolclass=pool.NullPool)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_audit_log_is_append_only(empty_database: URL) -> None:
    migrations.upgrade(empty_database)
    with psycopg.connect(libpq(empty_database), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO audit_log (actor_role, action, entity_type, outcome, details)"
            " VALUES ('system', 'test', 'bout', 'applied', '{}')"
        )
        for statement in ("UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(psycopg.errors.RaiseException):
                conn.execute(statement)


def test_concurrent_upgrades_do_not_race(empty_database: URL) -> None:
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrations.upgrade(empty_database)
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert migrations.current_revision(empty_database) == migrations.head_revision()


def test_production_refuses_to_run_below_head(empty_database: URL) -> None:
    from ringledger.core.config import Settings

    settings = Settings(
        RINGLEDGER_ENV="production", DATABASE_URL=empty_database.render_as_string(False)
    )
    with pytest.raises(migrations.SchemaNotAtHead):
        migrations.prepare_schema(settings, empty_database)
    assert "users" not in tables(empty_database)


def test_outcomes_downgrade_refuses_to_lose_a_draw(empty_database: URL) -> None:
    migrations.upgrade(empty_database)
    users = [uuid.uuid4() for _ in range(3)]
    with psycopg.connect(libpq(empty_database), autocommit=True) as conn:
        for user_id, role in zip(users, ("promoter", "fighter", "fighter"), strict=True):
            conn.execute(
                "INSERT INTO users (id, email, password_hash, role) VALUES (%s, %s, 'x', %s)",
                (user_id, f"{user_id}@example.com", role),
            )
        conn.execute(
            "INSERT INTO bouts (id, status, outcome, promoter_user_id, fighter_a_user_id,"
            " fighter_b_user_id, promoter_xrpl_address, event_at, finish_after_at,"
            " cancel_after_at, finish_after_ripple, cancel_after_ripple)"
            " VALUES (%s, 'result_entered', 'draw', %s, %s, %s, 'rAddress', now(), now(), now(),"
            " 1, 2)",
            (uuid.uuid4(), *users),
        )
    with pytest.raises(RuntimeError, match="refusing to downgrade"):
        command.downgrade(migrations.alembic_config(empty_database), "0002")
    assert migrations.current_revision(empty_database) == migrations.head_revision()


def test_token_downgrade_refuses_to_lose_a_token_bout(empty_database: URL) -> None:
    migrations.upgrade(empty_database)
    users = [uuid.uuid4() for _ in range(3)]
    bout_id = uuid.uuid4()
    with psycopg.connect(libpq(empty_database), autocommit=True) as conn:
        for user_id, role in zip(users, ("promoter", "fighter", "fighter"), strict=True):
            conn.execute(
                "INSERT INTO users (id, email, password_hash, role) VALUES (%s, %s, 'x', %s)",
                (user_id, f"{user_id}@example.com", role),
            )
        conn.execute(
            "INSERT INTO bouts (id, status, promoter_user_id, fighter_a_user_id,"
            " fighter_b_user_id, promoter_xrpl_address, event_at, finish_after_at,"
            " cancel_after_at, finish_after_ripple, cancel_after_ripple, token_label,"
            " token_currency, token_issuer)"
            " VALUES (%s, 'draft', %s, %s, %s, 'rAddress', now(), now(), now(), 1, 2,"
            " 'USD', 'USD', 'rIssuer')",
            (bout_id, *users),
        )
        conn.execute(
            "INSERT INTO escrows (id, bout_id, kind, status, owner_address, destination_address,"
            " amount_value, finish_after_ripple, cancel_after_ripple)"
            " VALUES (%s, %s, 'show_a', 'planned', 'rAddress', 'rFighter', 1500.25, 1, 9)",
            (uuid.uuid4(), bout_id),
        )
    with pytest.raises(RuntimeError, match="refusing to downgrade rather than lose them"):
        command.downgrade(migrations.alembic_config(empty_database), "0007")
    assert migrations.current_revision(empty_database) == migrations.head_revision()
    with psycopg.connect(libpq(empty_database)) as conn:
        [(value,)] = conn.execute("SELECT amount_value FROM escrows").fetchall()
    assert str(value) == "1500.25"
    # Without the token bout the way down is open, and XRP bouts come through it whole.
    with psycopg.connect(libpq(empty_database), autocommit=True) as conn:
        conn.execute("DELETE FROM escrows")
        conn.execute("DELETE FROM bouts")
    command.downgrade(migrations.alembic_config(empty_database), "0007")
    assert migrations.current_revision(empty_database) == "0007"
