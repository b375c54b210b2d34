"""The runbook's rollback drill on a fresh database: upgrade to head, seed, downgrade under
control to the revision the previous release expects, boot that previous release (its real code,
from git history), pass the smoke gates, upgrade again, and find every seeded row intact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.core import migrations
from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import PASSWORD, Account, Api, insert_admin
from tests.support.database import create_database, drop_database, libpq
from tests.support.live import live_server
from tests.support.operator import environment, run_cli, smoke_bouts
from tests.support.previous_release import previous_release

pytestmark = pytest.mark.no_db

PINNABLE = "0001"  # any known revision below head, for the pin's own refusal test
# Table -> primary key, for every table the seed writes.
SEEDED_TABLES = {
    "users": "id",
    "fighter_profiles": "user_id",
    "bouts": "id",
    "escrows": "id",
    "signing_attempts": "id",
    "audit_log": "id",
}
UNTOUCHED = ("users", "fighter_profiles", "bouts", "escrows")


@pytest.fixture
def fresh_database(admin_uri: str) -> Iterator[URL]:
    url = create_database(admin_uri, prefix="ringledger_rollback")
    yield url
    drop_database(admin_uri, url)


def snapshot(url: URL) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of the tables the seed wrote, by primary key."""
    return {
        table: {row[key]: row for row in db_state.rows(url, f"SELECT * FROM {table}")}
        for table, key in SEEDED_TABLES.items()
    }


def seed(url: URL, data_dir: Path) -> tuple[Account, str, str]:
    """A promoter with a draft bout and a bout ready for payouts, made over the API."""
    settings = test_settings(url, data_dir)
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        api = Api(client)
        insert_admin(libpq(url), "rollback-admin@example.com")
        token = api.login("rollback-admin@example.com")
        admin = Account("", "rollback-admin@example.com", "admin", token)
        return smoke_bouts(api, admin)


def smoke(env: dict[str, str], base_url: str, promoter: Account, draft: str, fought: str) -> Any:
    return run_cli(
        env,
        "smoke",
        *("--base-url", base_url, "--email", promoter.email),
        *("--escrow-bout", draft, "--payout-bout", fought, "--password-stdin"),
        stdin=PASSWORD + "\n",
    )


def test_downgrade_boot_the_previous_release_smoke_upgrade(
    fresh_database: URL, tmp_path: Path
) -> None:
    head = migrations.head_revision()
    release = previous_release(tmp_path / "previous")
    assert release.head != head, "the drill needs a revision to roll back"
    env = environment(fresh_database, tmp_path)
    assert run_cli(env, "migrate", "upgrade").exit_code == 0
    promoter, draft, fought = seed(fresh_database, tmp_path)
    seeded = snapshot(fresh_database)

    downgraded = run_cli(env, "migrate", "downgrade", release.head)
    assert downgraded.exit_code == 0, downgraded.output
    assert migrations.current_revision(fresh_database) == release.head
    current = run_cli(env, "migrate", "current")
    assert f"current: {release.head} (head: {head})" in current.stdout

    with live_server(
        fresh_database, tmp_path, workers=1, PYTHONPATH=str(release.backend)
    ) as base_url:
        gates = smoke(env, base_url, promoter, draft, fought)
    assert gates.exit_code == 0, f"previous release {release.commit}:\n{gates.output}"
    assert f"schema at {release.head}" in gates.stdout
    assert "smoke passed: 5/5 gates" in gates.stdout
    # The previous release is at its own head: it found nothing to migrate.
    assert migrations.current_revision(fresh_database) == release.head

    upgraded = run_cli(env, "migrate", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert migrations.current_revision(fresh_database) == head
    after = snapshot(fresh_database)
    for table in UNTOUCHED:
        assert after[table] == seeded[table], f"{table} changed across the rollback"
    # The smoke's prepares add sign requests and audit rows; none of the seeded ones is lost.
    for table in ("signing_attempts", "audit_log"):
        assert seeded[table].keys() <= after[table].keys(), f"{table} lost rows"
    assert after["audit_log"][1] == seeded["audit_log"][1]


def test_a_pinned_service_refuses_a_schema_at_another_revision(
    fresh_database: URL, tmp_path: Path
) -> None:
    migrations.upgrade(fresh_database)
    settings = test_settings(fresh_database, tmp_path, RINGLEDGER_SCHEMA_REVISION=PINNABLE)
    with pytest.raises(migrations.SchemaNotAtHead, match=f"downgrade {PINNABLE}"):
        migrations.prepare_schema(settings, fresh_database)
    unknown = test_settings(fresh_database, tmp_path, RINGLEDGER_SCHEMA_REVISION="9999")
    with pytest.raises(migrations.SchemaNotAtHead, match="not a known revision"):
        migrations.prepare_schema(unknown, fresh_database)
