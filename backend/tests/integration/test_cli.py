"""The operator commands as the runbook uses them: help, exit codes, evidence, audit, smoke."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from tests.support import db_state
from tests.support.api import PASSWORD, Account, Api
from tests.support.flow import Flow, create_evidence
from tests.support.live import live_server
from tests.support.local_http import refused_url
from tests.support.operator import environment, run_cli, smoke_bouts

COMMANDS = [
    (),
    ("serve",),
    ("migrate",),
    ("migrate", "upgrade"),
    ("migrate", "downgrade"),
    ("migrate", "history"),
    ("migrate", "current"),
    ("check-config",),
    ("users", "create-admin"),
    ("openapi",),
    ("evidence",),
    ("audit",),
    ("reconcile",),
    ("smoke",),
]


@pytest.fixture
def env(database: URL, data_dir: Path) -> dict[str, str]:
    return environment(database, data_dir)


@pytest.fixture
def failed_bout(api: Api) -> Flow:
    """A draft bout with one refused confirm (ledger_tec_tem) and one created escrow."""
    promoter, a, b, bout = api.cast()
    flow = Flow(api, promoter, bout)
    assert flow.post("/escrows/prepare").status_code == 200
    assert flow.confirm_create("show_a", engine_result="tecNO_PERMISSION").status_code == 422
    assert flow.confirm_create("show_b").status_code == 200
    return flow


@pytest.mark.no_db
@pytest.mark.parametrize("command", COMMANDS, ids=lambda words: " ".join(words) or "ringledger")
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = run_cli({}, *command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


class TestEvidence:
    def test_prints_the_api_document_plus_the_checklist(
        self, env: dict[str, str], admin: Account, failed_bout: Flow
    ) -> None:
        flow = failed_bout
        result = run_cli(env, "evidence", flow.id)
        assert result.exit_code == 0, result.output
        printed = json.loads(result.stdout)
        served = flow.get("/evidence", who=admin).json()
        checklist = printed.pop("checklist")
        assert _without_clock(printed) == _without_clock(served)
        [incident] = checklist["incidents"]
        assert incident["request"] == f"POST /bouts/{flow.id}/escrows/confirm"
        assert (incident["status_code"], incident["failure_code"]) == (422, "ledger_tec_tem")
        assert incident["escrow_kind"] == "show_a"

    def test_writes_the_file_and_attaches_the_verification(
        self, env: dict[str, str], failed_bout: Flow, tmp_path: Path
    ) -> None:
        flow = failed_bout
        report = tmp_path / "smoke.json"
        report.write_text(json.dumps({"passed": True, "failed_gate": None}))
        out = tmp_path / "evidence.json"
        result = run_cli(env, "evidence", flow.id, "--out", str(out), "--verification", str(report))
        assert result.exit_code == 0, result.output
        assert "1 incident(s)" in result.stdout
        assert json.loads(out.read_text())["checklist"]["verification"]["passed"] is True

    def test_unknown_bout_exits_4(self, env: dict[str, str]) -> None:
        result = run_cli(env, "evidence", str(uuid.uuid4()))
        assert result.exit_code == 4
        assert "does not exist" in result.stderr

    def test_a_malformed_id_is_a_usage_error(self, env: dict[str, str]) -> None:
        assert run_cli(env, "evidence", "not-a-uuid").exit_code == 2


class TestAudit:
    def test_shows_the_timeline(self, env: dict[str, str], failed_bout: Flow) -> None:
        flow = failed_bout
        result = run_cli(env, "audit", flow.id)
        assert result.exit_code == 0, result.output
        for text in (
            "signing.escrow_create.request",
            "escrow.confirm_create",
            "ledger_tec_tem",
            "planned → created",
        ):
            assert text in result.stdout
        assert f"bout {flow.id}: draft" in result.stdout

    def test_json_is_what_the_api_serves(self, env: dict[str, str], failed_bout: Flow) -> None:
        flow = failed_bout
        result = run_cli(env, "audit", flow.id, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == flow.get("/audit").json()

    def test_unknown_bout_exits_4(self, env: dict[str, str]) -> None:
        assert run_cli(env, "audit", str(uuid.uuid4())).exit_code == 4


@pytest.fixture(scope="module")
def service(database: URL, data_dir: Path) -> Iterator[str]:
    """`ringledger serve` on a real port, on this run's database and keys."""
    with live_server(database, data_dir, workers=1) as url:
        yield url


class TestSmoke:
    def smoke(
        self, env: dict[str, str], base_url: str, email: str, escrow: str, payout: str, *extra: str
    ) -> Any:
        return run_cli(
            env,
            "smoke",
            "--base-url",
            base_url,
            "--email",
            email,
            "--escrow-bout",
            escrow,
            "--payout-bout",
            payout,
            "--password-stdin",
            *extra,
            stdin=PASSWORD + "\n",
        )

    def test_every_gate_passes(
        self, env: dict[str, str], service: str, api: Api, admin: Account, tmp_path: Path
    ) -> None:
        promoter, draft, fought = smoke_bouts(api, admin)
        report = tmp_path / "smoke.json"
        result = self.smoke(env, service, promoter.email, draft, fought, "--report", str(report))
        assert result.exit_code == 0, result.output
        assert result.stdout.count("✓") == 5
        assert "smoke passed: 5/5 gates" in result.stdout
        written = json.loads(report.read_text())
        assert written["passed"] is True
        assert [gate["gate"] for gate in written["gates"]] == [
            "healthz",
            "readyz",
            "login",
            "escrow prepare",
            "payout prepare",
        ]
        assert PASSWORD not in report.read_text()

    def test_a_bad_password_fails_at_login(
        self, env: dict[str, str], service: str, api: Api, admin: Account
    ) -> None:
        promoter, draft, fought = smoke_bouts(api, admin)
        result = run_cli(
            env,
            "smoke",
            *("--base-url", service, "--email", promoter.email),
            *("--escrow-bout", draft, "--payout-bout", fought, "--password-stdin"),
            stdin="not the password at all\n",
        )
        assert result.exit_code == 1
        assert "smoke failed at gate: login" in result.stderr
        assert "credentials_invalid" in result.stdout
        assert "escrow prepare" not in result.stdout

    def test_a_bout_in_the_wrong_state_fails_its_gate(
        self, env: dict[str, str], service: str, api: Api, admin: Account
    ) -> None:
        promoter, draft, fought = smoke_bouts(api, admin)
        result = self.smoke(env, service, promoter.email, fought, fought)
        assert result.exit_code == 1
        assert "smoke failed at gate: escrow prepare" in result.stderr
        assert "409" in result.stdout and "state_conflict" in result.stdout

    @pytest.mark.no_db
    def test_a_service_that_is_down_fails_at_healthz(self, env: dict[str, str]) -> None:
        result = self.smoke(
            env, refused_url(), "x@example.com", str(uuid.uuid4()), str(uuid.uuid4())
        )
        assert result.exit_code == 1
        assert "smoke failed at gate: healthz" in result.stderr
        assert "no answer: ConnectError" in result.stdout


def _without_clock(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "generated_at"}


def test_purge_idempotency_keeps_recent_outcomes(api: Api, database: URL, data_dir: Path) -> None:
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    flow.post("/escrows/confirm", create_evidence(flow.escrow("show_a")), key="old")
    flow.post("/escrows/confirm", create_evidence(flow.escrow("show_b")), key="new")
    db_state.execute(
        database,
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'",
    )
    result = run_cli(environment(database, data_dir), "purge-idempotency")
    assert result.exit_code == 0, result.output
    assert "purged 1 stored outcome" in result.stdout
    keys = [row["key"] for row in db_state.rows(database, "SELECT key FROM idempotency_keys")]
    assert keys == ["new"]
