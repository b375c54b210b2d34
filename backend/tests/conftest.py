"""Test fixtures: one fresh PostgreSQL database per run, migrated once; tables emptied per test."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.core import migrations
from ringledger.core.config import Settings
from ringledger.main import create_asgi
from tests.support.api import Account, Api, insert_admin
from tests.support.database import (
    create_database,
    drop_database,
    libpq,
    server_admin_uri,
    truncate_all,
)
from tests.support.deployment import pgbouncer
from tests.support.live import serve_through_pooler, service_environment


@pytest.fixture(scope="session")
def admin_uri() -> str:
    return server_admin_uri()


# Set to `transaction` (./dev test does, for the lifecycle suites) to run the service under test
# through PgBouncer in transaction mode, configured as docs/deployment.md shows.
POOLER_VARIABLE = "RINGLEDGER_TEST_POOLER"


@pytest.fixture(scope="session")
def database(admin_uri: str) -> Iterator[URL]:
    url = create_database(admin_uri)
    migrations.upgrade(url)
    with ExitStack() as stack:
        if os.environ.get(POOLER_VARIABLE) == "transaction":
            serve_through_pooler(url, stack.enter_context(pgbouncer(url)).url)
        yield url
    drop_database(admin_uri, url)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ringledger-data")


def test_settings(database: URL, data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test app: the run's database, cheap password hashing, stub modes."""
    values: dict[str, object] = {
        "RINGLEDGER_ENV": "test",
        **service_environment(database),
        "RINGLEDGER_DATA_DIR": data_dir,
        "RINGLEDGER_PASSWORD_HASHING": "fast",  # pragma: allowlist secret
        "XAMAN_MODE": "stub",
        "XRPL_MODE": "stub",
        # Suites create thousands of accounts from one client address.
        "RINGLEDGER_REGISTER_MAX_PER_CLIENT": 1_000_000,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test


def xaman_api_settings(database: URL, data_dir: Path, xaman: Any, **overrides: object) -> Settings:
    """As test_settings, with XAMAN_MODE=api against a local Xaman stand-in (FakeXaman)."""
    values: dict[str, object] = {
        "XAMAN_MODE": "api",
        "XAMAN_API_KEY": xaman.api_key,
        "XAMAN_API_SECRET": xaman.api_secret,
        "XAMAN_API_BASE_URL": xaman.base_url,
        "XAMAN_TIMEOUT_SECONDS": 5,
    }
    values.update(overrides)
    return test_settings(database, data_dir, **values)


def leak_hunt_settings(database: URL, data_dir: Path, xaman: Any) -> Settings:
    """Api mode with fresh secrets of its own and every log line at DEBUG, as JSON: the setting
    for tests that search responses and logs for anything secret."""
    return xaman_api_settings(
        database,
        data_dir,
        xaman,
        JWT_SECRET_KEY="jwt-" + secrets.token_urlsafe(40),  # pragma: allowlist secret
        RINGLEDGER_PREIMAGE_KEY=Fernet.generate_key().decode(),
        XAMAN_TIMEOUT_SECONDS=2.0,
        RINGLEDGER_LOG_LEVEL="DEBUG",
        RINGLEDGER_LOG_FORMAT="json",
    )


@pytest.fixture(scope="session")
def settings(database: URL, data_dir: Path) -> Settings:
    return test_settings(database, data_dir)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> None:
    # Tests marked no_db never touch PostgreSQL: not even the run's database is created for them.
    if "no_db" not in request.keywords:
        truncate_all(request.getfixturevalue("database"))


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_db: the test needs no database tables emptied")
    config.addinivalue_line(
        "markers", "one_process: not for pytest-xdist (its tests share one node id)"
    )
    os.environ.setdefault("HYPOTHESIS_PROFILE", "default")


@pytest.fixture
def admin(api: Api, database: URL) -> Account:
    email = "admin@example.com"
    insert_admin(libpq(database), email)
    token = api.login(email)
    me = api.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    return Account(me["user_id"], email, "admin", token)
