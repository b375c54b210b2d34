"""`ringledger serve` prepares the schema in a process of its own (`ringledger migrate ready`),
so the API processes never load the migration tooling (its modules stay in memory for life)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy.engine import URL

from ringledger.core import migrations
from tests.support.operator import environment, run_cli

BACKEND = Path(__file__).resolve().parents[2]


def test_migrate_ready_prints_the_revision_the_service_runs_on(
    database: URL, data_dir: Path
) -> None:
    result = run_cli(environment(database, data_dir), "migrate", "ready")
    assert result.exit_code == 0, result.output
    assert result.stdout.split()[-1] == migrations.head_revision()


def test_another_revision_than_the_pinned_one_is_exit_3(database: URL, data_dir: Path) -> None:
    env = environment(database, data_dir, RINGLEDGER_SCHEMA_REVISION="0007")
    result = run_cli(env, "migrate", "ready")
    assert result.exit_code == 3
    assert "the code needs 0007" in result.stderr


def test_an_api_process_told_the_revision_loads_no_migration_tooling(
    database: URL, data_dir: Path
) -> None:
    probe = textwrap.dedent(
        """
        import sys
        from fastapi.testclient import TestClient
        import ringledger.cli.main  # what `ringledger serve` has loaded
        from ringledger.main import create_asgi
        with TestClient(create_asgi()) as client:
            assert client.get("/readyz").status_code == 200, client.get("/readyz").text
        print(sorted(name for name in sys.modules if name.split(".")[0] == "alembic"))
        """
    )
    env = {
        **os.environ,
        **environment(database, data_dir),
        "RINGLEDGER_SCHEMA_READY": migrations.head_revision(),
    }
    told = subprocess.run(
        [sys.executable, "-c", probe], cwd=BACKEND, env=env, capture_output=True, text=True
    )
    assert told.returncode == 0, told.stderr
    assert told.stdout.strip() == "[]"
    # Without it, the process prepares the schema itself, with the tooling.
    env.pop("RINGLEDGER_SCHEMA_READY")
    itself = subprocess.run(
        [sys.executable, "-c", probe], cwd=BACKEND, env=env, capture_output=True, text=True
    )
    assert itself.returncode == 0, itself.stderr
    assert "'alembic'" in itself.stdout
