"""`ringledger reconcile`: open sign requests polled, outcomes recorded, no lifecycle move."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.core.db import Database
from ringledger.core.leases import Lease
from ringledger.main import create_asgi
from ringledger.settlement.signing_outcomes import record_outcome
from ringledger.signing.factory import build_signing
from ringledger.signing.worker import PassTally, RateLimiter, WorkerOptions, run_pass
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import Api
from tests.support.database import libpq
from tests.support.fake_xaman import FakeXaman, Fault
from tests.support.flow import Flow
from tests.support.local_http import refused_url
from tests.support.operator import environment, run_cli

FAST = ("--rate", "60000", "--backoff", "0")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> Iterator[FakeXaman]:
    with FakeXaman() as server:
        yield server


def api_overrides(base_url: str, fake: FakeXaman) -> dict[str, Any]:
    return {
        "XAMAN_MODE": "api",
        "XAMAN_API_KEY": fake.api_key,
        "XAMAN_API_SECRET": fake.api_secret,
        "XAMAN_API_BASE_URL": base_url,
        "XAMAN_TIMEOUT_SECONDS": 2.0,
    }


@pytest.fixture
def api_env(database: URL, data_dir: Path, fake: FakeXaman) -> dict[str, str]:
    overrides = api_overrides(fake.base_url, fake)
    return environment(database, data_dir, **{k: str(v) for k, v in overrides.items()})


@pytest.fixture
def xaman_api(database: URL, data_dir: Path, fake: FakeXaman) -> Iterator[Api]:
    """The HTTP API in XAMAN_MODE=api against the fake Xaman."""
    settings = test_settings(database, data_dir, **api_overrides(fake.base_url, fake))
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        yield Api(client)


def prepared(api: Api) -> tuple[Flow, dict[str, str]]:
    """A draft bout whose four EscrowCreates wait in the wallet: payload id per escrow kind."""
    promoter, a, b, bout = api.cast()
    flow = Flow(api, promoter, bout)
    response = flow.post("/escrows/prepare")
    assert response.status_code == 200, response.text
    return flow, {
        item["escrow_kind"]: item["xaman_sign_request"]["payload_id"]
        for item in response.json()["escrows"]
    }


def attempt_statuses(database: URL, bout_id: str) -> dict[str, str]:
    found = db_state.rows(
        database, "SELECT payload_id, status FROM signing_attempts WHERE bout_id = %s", bout_id
    )
    return {row["payload_id"]: row["status"] for row in found}


def status_calls(fake: FakeXaman) -> Counter[str]:
    return Counter(
        request.path.rsplit("/", 1)[-1] for request in fake.received if request.method == "GET"
    )


class TestApiMode:
    def test_records_signed_declined_and_expired_without_moving_the_lifecycle(
        self, database: URL, xaman_api: Api, fake: FakeXaman, api_env: dict[str, str]
    ) -> None:
        flow, payloads = prepared(xaman_api)
        txid = secrets.token_hex(32).upper()
        fake.sign(payloads["show_a"], txid=txid)
        fake.reject(payloads["show_b"])
        fake.expire(payloads["bonus_a"])
        result = run_cli(api_env, "reconcile", *FAST)
        assert result.exit_code == 0, result.output
        assert "reconcile (api): checked 4, changed 3, failed 0, busy 0" in result.stdout
        assert attempt_statuses(database, flow.id) == {
            payloads["show_a"]: "signed",
            payloads["show_b"]: "declined",
            payloads["bonus_a"]: "expired",
            payloads["bonus_b"]: "open",
        }
        escrows = db_state.escrows(database, flow.id)
        assert {kind: row["status"] for kind, row in escrows.items()} == dict.fromkeys(
            escrows, "planned"
        )
        assert escrows["show_b"]["failure_code"] == "signing_declined"
        assert escrows["bonus_a"]["failure_code"] == "signing_expired"
        assert db_state.bout_status(database, flow.id) == "draft"
        recorded = [
            row for row in db_state.audit(database, flow.id) if row["actor_role"] == "system"
        ]
        assert sorted((row["outcome"], row["failure_code"]) for row in recorded) == [
            ("declined", "signing_declined"),
            ("expired", "signing_expired"),
            ("signed", None),
        ]

    def test_superseded_requests_are_not_polled(
        self, xaman_api: Api, fake: FakeXaman, api_env: dict[str, str]
    ) -> None:
        flow, first = prepared(xaman_api)
        fresh = flow.post("/escrows/prepare").json()["escrows"]
        newest = {item["xaman_sign_request"]["payload_id"] for item in fresh}
        result = run_cli(api_env, "reconcile", *FAST)
        assert "checked 4," in result.stdout, result.output
        asked = set(status_calls(fake))
        assert asked == newest and not asked & set(first.values())

    def test_a_second_pass_asks_only_about_what_is_still_open(
        self, xaman_api: Api, fake: FakeXaman, api_env: dict[str, str]
    ) -> None:
        _, payloads = prepared(xaman_api)
        fake.reject(payloads["show_b"])
        assert run_cli(api_env, "reconcile", *FAST).exit_code == 0
        again = run_cli(api_env, "reconcile", *FAST)
        assert "checked 3, changed 0, failed 0" in again.stdout
        assert status_calls(fake)[payloads["show_b"]] == 1

    def test_retries_a_failing_xaman_with_backoff(
        self, xaman_api: Api, fake: FakeXaman, api_env: dict[str, str]
    ) -> None:
        prepared(xaman_api)
        fake.fail_next(Fault.RATE_LIMITED, Fault.SERVER_ERROR)
        result = run_cli(api_env, "reconcile", *FAST, "--tries", "3")
        assert result.exit_code == 0, result.output
        assert "checked 4, changed 0, failed 0" in result.stdout
        assert sum(status_calls(fake).values()) == 6

    def test_an_unreachable_xaman_exits_1_and_changes_nothing(
        self, database: URL, data_dir: Path, xaman_api: Api, fake: FakeXaman
    ) -> None:
        flow, payloads = prepared(xaman_api)
        overrides = api_overrides(refused_url(), fake)
        env = environment(database, data_dir, **{k: str(v) for k, v in overrides.items()})
        before = db_state.audit(database, flow.id)
        result = run_cli(env, "reconcile", *FAST, "--tries", "2")
        assert result.exit_code == 1
        assert "checked 0, changed 0, failed 4" in result.stdout
        for payload_id in payloads.values():
            assert payload_id in result.stderr
        assert set(attempt_statuses(database, flow.id).values()) == {"open"}
        assert db_state.audit(database, flow.id) == before

    def test_watch_runs_pass_after_pass(
        self, xaman_api: Api, fake: FakeXaman, api_env: dict[str, str]
    ) -> None:
        prepared(xaman_api)
        result = run_cli(api_env, "reconcile", "--watch", "--passes", "2", "--interval", "0", *FAST)
        assert result.exit_code == 0, result.output
        assert result.stdout.count("reconcile (api): checked 4") == 2


class TestStubMode:
    def test_every_payload_stays_open(
        self, database: URL, api: Api, env_stub: dict[str, str]
    ) -> None:
        flow, payloads = prepared(api)
        before = db_state.audit(database, flow.id)
        result = run_cli(env_stub, "reconcile", *FAST)
        assert result.exit_code == 0, result.output
        assert "reconcile (stub): checked 4, changed 0, failed 0, busy 0" in result.stdout
        assert set(attempt_statuses(database, flow.id).values()) == {"open"}
        assert db_state.audit(database, flow.id) == before


@pytest.fixture
def env_stub(database: URL, data_dir: Path) -> dict[str, str]:
    return environment(database, data_dir)


class TestSeveralWorkers:
    @pytest.mark.anyio
    async def test_two_workers_at_once_record_each_outcome_once(
        self, database: URL, data_dir: Path, xaman_api: Api, fake: FakeXaman
    ) -> None:
        flows = [prepared(xaman_api) for _ in range(3)]
        payloads = [payload for _, by_kind in flows for payload in by_kind.values()]
        for payload_id in payloads:
            fake.reject(payload_id)
        settings = test_settings(database, data_dir, **api_overrides(fake.base_url, fake))
        options = WorkerOptions(batch_size=2, calls_per_minute=60_000, backoff_seconds=0)
        tallies: list[PassTally] = []

        async def one_worker() -> None:
            pool = await Database.connect(
                database, pool_size=1, lock_timeout=settings.RINGLEDGER_IDEMPOTENCY_WAIT
            )
            signing = build_signing(settings)
            try:
                limiter = RateLimiter(options.calls_per_minute)
                tallies.append(
                    await run_pass(
                        pool,
                        signing,
                        record_outcome,
                        options=options,
                        limiter=limiter,
                        lease=Lease.for_this_process(),
                    )
                )
            finally:
                await signing.aclose()
                await pool.close()

        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                group.start_soon(one_worker)
                group.start_soon(one_worker)
            # A payload whose bout the other worker was recording is left open: mop it up.
            await one_worker()
        assert all(tally.checked for tally in tallies[:2]), "both workers took a share"
        assert sum(tally.changed for tally in tallies) == len(payloads)
        # Every call was answered by one recording or by one "bout busy, later".
        assert sum(status_calls(fake).values()) == sum(t.changed + t.busy for t in tallies)
        recorded = Counter(
            row["details"]["payload_id"]
            for flow, _ in flows
            for row in db_state.audit(database, flow.id)
            if row["actor_role"] == "system"
        )
        assert recorded == Counter(payloads)

    @pytest.mark.anyio
    async def test_a_bout_busy_with_a_request_is_left_for_the_next_pass(
        self, database: URL, data_dir: Path, xaman_api: Api, fake: FakeXaman
    ) -> None:
        flow, payloads = prepared(xaman_api)
        fake.reject(payloads["show_a"])
        settings = test_settings(database, data_dir, **api_overrides(fake.base_url, fake))
        pool = await Database.connect(
            database, pool_size=1, lock_timeout=settings.RINGLEDGER_IDEMPOTENCY_WAIT
        )
        signing = build_signing(settings)
        options = WorkerOptions(calls_per_minute=60_000, backoff_seconds=0)

        async def one_pass() -> Any:
            limiter = RateLimiter(options.calls_per_minute)
            return await run_pass(
                pool,
                signing,
                record_outcome,
                options=options,
                limiter=limiter,
                lease=Lease.for_this_process(),
            )

        try:
            # A confirm holding the bout lock: the worker must neither wait nor record.
            with psycopg.connect(libpq(database)) as holder:
                holder.execute("SELECT id FROM bouts WHERE id = %s FOR UPDATE", (flow.id,))
                with anyio.fail_after(10):
                    busy = await one_pass()
                holder.rollback()
            assert (busy.checked, busy.busy, busy.changed) == (4, 4, 0)
            later = await one_pass()
            assert (later.checked, later.busy, later.changed) == (4, 0, 1)
        finally:
            await signing.aclose()
            await pool.close()


class TestNoLockAcrossOutsideCalls:
    @pytest.mark.anyio
    async def test_a_reconcile_is_never_kept_waiting_behind_the_worker(
        self, database: URL, data_dir: Path, xaman_api: Api, fake: FakeXaman
    ) -> None:
        """While the worker waits for a slow Xaman about a sign request, the promoter's
        reconcile of that same request is answered at once: the worker holds a lease on it, no
        row lock."""
        fake.slow_seconds = 3.0
        flow, payloads = prepared(xaman_api)
        fake.reject(payloads["show_a"])
        settings = test_settings(database, data_dir, **api_overrides(fake.base_url, fake))
        pool = await Database.connect(
            database, pool_size=2, lock_timeout=settings.RINGLEDGER_IDEMPOTENCY_WAIT
        )
        signing = build_signing(settings)
        options = WorkerOptions(batch_size=4, calls_per_minute=60_000, backoff_seconds=0, tries=1)
        answered: list[float] = []

        async def reconcile_meanwhile() -> None:
            await anyio.sleep(0.5)  # the worker has leased the batch and is waiting for Xaman
            started = anyio.current_time()
            body = {"escrow_kind": "show_a", "payload_id": payloads["show_a"]}
            response = await anyio.to_thread.run_sync(
                lambda: flow.post("/escrows/signing/reconcile", body)
            )
            assert response.status_code == 200, response.text
            answered.append(anyio.current_time() - started)

        try:
            fake.fail_next(Fault.SLOW)
            with anyio.fail_after(30):
                async with anyio.create_task_group() as group:
                    group.start_soon(
                        lambda: run_pass(
                            pool,
                            signing,
                            record_outcome,
                            options=options,
                            limiter=RateLimiter(options.calls_per_minute),
                            lease=Lease.for_this_process(),
                        )
                    )
                    group.start_soon(reconcile_meanwhile)
        finally:
            await signing.aclose()
            await pool.close()
        # Well under the 3 s Xaman takes to answer the worker; the route itself asks Xaman too.
        assert answered and answered[0] < 2.5, answered
        assert attempt_statuses(database, flow.id)[payloads["show_a"]] == "declined"
