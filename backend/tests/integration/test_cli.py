"""The operator commands as the runbook uses them: help, exit codes, evidence, audit, smoke,
accounts, purges and the preimage key rotation."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy.engine import URL

from ringledger.bouts import preimages
from ringledger.bouts.conditions import condition_hex
from ringledger.cli.common import unit_of_work
from ringledger.core.config import Settings
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
    ("users", "disable"),
    ("users", "enable"),
    ("purge",),
    ("purge-idempotency",),
    ("rotate-preimage-key",),
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


class TestCreateAdmin:
    @pytest.mark.parametrize("email", ["not an email", "admin@localhost", "a@b@example.com"])
    def test_what_registration_refuses_is_refused(self, env: dict[str, str], email: str) -> None:
        result = run_cli(
            env, "users", "create-admin", "--email", email, "--password-stdin", stdin=PASSWORD
        )
        assert result.exit_code == 2 and "not an email address" in result.stderr

    def test_stored_as_registration_stores_it_and_signs_in(
        self, env: dict[str, str], api: Api, database: URL
    ) -> None:
        result = run_cli(
            env,
            "users",
            "create-admin",
            "--email",
            "Root@XN--BCHER-KVA.example",
            "--password-stdin",
            stdin=PASSWORD,
        )
        assert result.exit_code == 0, result.output
        stored = db_state.rows(database, "SELECT email FROM users WHERE role = 'admin'")
        assert stored == [{"email": "root@bücher.example"}]
        assert api.login("root@xn--bcher-kva.example")
        assert run_cli(env, "users", "disable", "ROOT@bücher.example").exit_code == 0


class TestDisableEnable:
    def test_a_disabled_account_is_refused_everywhere_until_enabled(
        self, api: Api, env: dict[str, str], database: URL
    ) -> None:
        account = api.register("promoter")
        assert api.client.get("/auth/me", headers=account.headers).status_code == 200
        disabled = run_cli(env, "users", "disable", account.email.upper())
        assert disabled.exit_code == 0, disabled.output
        assert "disabled" in disabled.stdout
        refused = api.client.get("/auth/me", headers=account.headers)
        assert (refused.status_code, refused.json()["code"]) == (401, "token_invalid")
        login = api.client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
        assert (login.status_code, login.json()["code"]) == (401, "credentials_invalid")

        assert run_cli(env, "users", "enable", account.email).exit_code == 0
        token = api.login(account.email)
        assert (
            api.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )
        # Tokens from before the account was disabled stay revoked.
        assert api.client.get("/auth/me", headers=account.headers).status_code == 401
        actions = db_state.rows(
            database,
            "SELECT action FROM audit_log WHERE entity_id = %s ORDER BY id",
            account.user_id,
        )
        assert [row["action"] for row in actions] == ["user.disable", "user.enable"]

    @pytest.mark.parametrize("command", ["disable", "enable"])
    def test_an_unknown_email_exits_4(self, env: dict[str, str], command: str) -> None:
        result = run_cli(env, "users", command, "nobody@example.com")
        assert result.exit_code == 4 and "does not exist" in result.stderr


def test_purge_deletes_what_no_throttle_counts_any_more(
    api: Api, database: URL, data_dir: Path
) -> None:
    for age in ("2 hours", "1 minute"):
        db_state.execute(
            database,
            "INSERT INTO login_failures (email, client, at) VALUES ('x@example.com', '10.0.0.1',"
            " now() - %s::interval)",
            age,
        )
        db_state.execute(
            database,
            "INSERT INTO registrations (client, at) VALUES ('10.0.0.1', now() - %s::interval)",
            age,
        )
    result = run_cli(environment(database, data_dir), "purge")
    assert result.exit_code == 0, result.output
    assert (
        "purged 0 stored outcome(s), 1 failed login(s), 1 registration record(s)" in result.stdout
    )
    for table in ("login_failures", "registrations"):
        left = db_state.rows(
            database, f"SELECT at > now() - interval '5 minutes' AS recent FROM {table}"
        )
        assert left == [{"recent": True}], table


class TestServeOnANetwork:
    """Stub modes trust clients' evidence: never served beyond loopback by omission."""

    @pytest.mark.parametrize(
        "host",
        ["0.0.0.0", "::", "192.0.2.10", "ringledger.example.org"],  # noqa: S104 - refused
    )
    def test_stub_modes_are_refused_beyond_loopback(self, env: dict[str, str], host: str) -> None:
        result = run_cli(env, "serve", "--host", host, "--port", "1")
        assert result.exit_code == 2, result.output
        assert "XAMAN_MODE=stub and XRPL_MODE=stub" in result.stderr
        assert "--allow-stub-modes-on-network" in result.stderr

    @pytest.mark.parametrize(
        ("arguments", "variables"),
        [
            (("--allow-stub-modes-on-network",), {}),
            ((), {"RINGLEDGER_ALLOW_STUB_MODES_ON_NETWORK": "true"}),
        ],
        ids=["flag", "variable"],
    )
    def test_unless_the_operator_says_so(
        self,
        database: URL,
        data_dir: Path,
        arguments: tuple[str, ...],
        variables: dict[str, str],
    ) -> None:
        everywhere = ("--host", "0.0.0.0", *arguments)  # noqa: S104 - what the test is about
        with live_server(database, data_dir, workers=1, arguments=everywhere, **variables) as url:
            ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 200
        assert (ready.json()["xaman_mode"], ready.json()["xrpl_mode"]) == ("stub", "stub")


class TestRotatePreimageKey:
    @pytest.mark.parametrize("blank", ["", "  "])
    def test_a_blank_key_is_no_key_to_rotate_to(
        self, database: URL, data_dir: Path, blank: str
    ) -> None:
        result = run_cli(
            environment(database, data_dir, RINGLEDGER_PREIMAGE_KEY=blank), "rotate-preimage-key"
        )
        assert result.exit_code == 2, result.output
        assert "no key to rotate to" in result.stderr

    def test_rotates_resumes_and_is_idempotent(
        self, api: Api, database: URL, data_dir: Path, settings: Settings
    ) -> None:
        for _ in range(3):
            api.cast()
        old = settings.RINGLEDGER_PREIMAGE_KEY
        old_key = old.get_secret_value() if old else _local_preimage_key(data_dir)
        new_key = Fernet.generate_key().decode()
        env = environment(database, data_dir, RINGLEDGER_PREIMAGE_KEY=f"{new_key},{old_key}")
        rows = db_state.rows(
            database, "SELECT id FROM escrows WHERE preimage_ciphertext IS NOT NULL ORDER BY id"
        )
        assert len(rows) == 6
        # An earlier run that stopped after its first batch of two.
        interrupted = MultiFernet([Fernet(new_key), Fernet(old_key)])

        async def first_batch() -> None:
            async with unit_of_work(database) as tx:
                await preimages.rotate_batch(
                    tx.conn,
                    cipher=interrupted,
                    primary=Fernet(new_key),
                    after=preimages.BEFORE_ALL,
                    limit=2,
                    tally=preimages.Rotation(),
                )

        anyio.run(first_batch)
        resumed = run_cli(env, "rotate-preimage-key", "--batch-size", "2")
        assert resumed.exit_code == 0, resumed.output
        assert "examined 6, re-encrypted 4, already under the first key 2" in resumed.stdout
        again = run_cli(env, "rotate-preimage-key")
        assert "examined 6, re-encrypted 0, already under the first key 6" in again.stdout
        cipher = Fernet(new_key)
        for row in db_state.rows(
            database,
            "SELECT condition_hex, preimage_ciphertext FROM escrows WHERE preimage_ciphertext IS NOT NULL",
        ):
            preimage = cipher.decrypt(row["preimage_ciphertext"].encode())
            assert condition_hex(preimage) == row["condition_hex"]

    def test_unreadable_and_mismatched_preimages_are_named(
        self, api: Api, database: URL, data_dir: Path
    ) -> None:
        api.cast()
        stranger = Fernet.generate_key().decode()
        bonus = db_state.rows(database, "SELECT id FROM escrows WHERE kind = 'bonus_a'")[0]["id"]
        db_state.execute(
            database,
            "UPDATE escrows SET condition_hex = %s WHERE id = %s",
            "A025802066687AADF862BD776C8FC18B8E9F8E20089714856EE233B3902A591D0D5F2925810120",
            bonus,
        )
        env = environment(
            database,
            data_dir,
            RINGLEDGER_PREIMAGE_KEY=f"{stranger},{_local_preimage_key(data_dir)}",
        )
        result = run_cli(env, "rotate-preimage-key")
        assert result.exit_code == 1
        assert f"escrow {bonus}: its preimage does not match its condition" in result.stderr
        assert "re-encrypted 1" in result.stdout and "mismatched 1" in result.stdout
        only_new = environment(
            database, data_dir, RINGLEDGER_PREIMAGE_KEY=Fernet.generate_key().decode()
        )
        unreadable = run_cli(only_new, "rotate-preimage-key")
        assert unreadable.exit_code == 1 and "unreadable 2" in unreadable.stdout


def _local_preimage_key(data_dir: Path) -> str:
    """The key a test-run service generated into its data dir (no RINGLEDGER_PREIMAGE_KEY set)."""
    return (data_dir / "keys" / "preimage_key").read_text().strip()
