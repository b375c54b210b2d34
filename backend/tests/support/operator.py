"""What the operator drills share: the CLI run in-process with a test run's environment, and the
two bouts the smoke gates need."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from ringledger.cli.main import app
from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support.api import Account, Api, future_event
from tests.support.flow import Flow
from tests.support.local_http import refused_url

XAMAN_DOWN_SECRET = "drill-api-secret-" + "7" * 16  # pragma: allowlist secret


def environment(database: URL, data_dir: Path, **overrides: str) -> dict[str, str]:
    """The variables an operator would export to point the CLI at this run's database."""
    values = {
        "RINGLEDGER_ENV": "test",
        "DATABASE_URL": database.render_as_string(hide_password=False),
        "RINGLEDGER_DATA_DIR": str(data_dir),
        "RINGLEDGER_PASSWORD_HASHING": "fast",  # pragma: allowlist secret
        "XAMAN_MODE": "stub",
        "XRPL_MODE": "stub",
        "RINGLEDGER_SCHEMA_REVISION": "head",
        "RINGLEDGER_REGISTER_MAX_PER_CLIENT": "1000000",
    }
    values.update(overrides)
    return values


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    """`ringledger ARGS…` in this process; the result holds exit code, stdout and stderr."""
    return CliRunner().invoke(app, list(args), env=env, input=stdin, catch_exceptions=False)


def smoke_bouts(api: Api, admin: Account) -> tuple[Account, str, str]:
    """A promoter with a draft bout (escrow prepare) and a bout with its result (payout prepare)."""
    promoter, a, b = api.promoter(), api.fighter(name="Ada"), api.fighter(name="Bea")
    draft = api.create_bout(promoter, a, b)
    fought = api.create_bout(promoter, a, b, event_datetime_utc=future_event(hours=-1.5))
    flow = Flow(api, promoter, fought)
    flow.create_all()
    entered = flow.post("/result", {"winner": "A"}, who=admin)
    assert entered.status_code == 200, entered.text
    return promoter, draft["bout_id"], fought["bout_id"]


@contextmanager
def xaman_unreachable(database: URL, data_dir: Path) -> Iterator[Api]:
    """The API in XAMAN_MODE=api with Xaman unreachable (same database, same keys)."""
    settings = test_settings(
        database,
        data_dir,
        XAMAN_MODE="api",
        XAMAN_API_KEY="drill-api-key",  # pragma: allowlist secret
        XAMAN_API_SECRET=XAMAN_DOWN_SECRET,
        XAMAN_API_BASE_URL=refused_url(),
        XAMAN_TIMEOUT_SECONDS=2.0,
    )
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        yield Api(client)
