"""The ledger has the last word: the worker's follow-through and watch, and `ledger-check`, in
the real modes against the Xaman and XRPL node stand-ins.

The node keeps a validated ledger (escrow objects, accounts' histories); wallets sign for real
and submit to it — the promoter through the service's sign requests, fighters and strangers on
their own. The service learns everything from `ringledger reconcile` passes and `ledger-check`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy.engine import URL

from ringledger.core.db import Database
from ringledger.core.leases import Lease
from ringledger.ledger.factory import build_ledger
from ringledger.main import create_asgi
from ringledger.settlement import follow_through
from tests.conftest import test_settings, xaman_api_settings
from tests.support import db_state
from tests.support.api import Account, Api, future_event
from tests.support.fake_rippled import FakeRippled, RippledFault
from tests.support.fake_xaman import FakeXaman
from tests.support.flow import KINDS, Flow
from tests.support.operator import environment, run_cli
from tests.support.wallets import LedgerWallet, first_close_after, ledger_now

RPC = {"XRPL_MODE": "rpc", "XRPL_TIMEOUT_SECONDS": 5, "XRPL_NETWORK": "TESTNET"}


def overrides(xaman: FakeXaman, node: FakeRippled, **more: Any) -> dict[str, Any]:
    return {
        "XAMAN_MODE": "api",
        "XAMAN_API_KEY": xaman.api_key,
        "XAMAN_API_SECRET": xaman.api_secret,
        "XAMAN_API_BASE_URL": xaman.base_url,
        "XAMAN_TIMEOUT_SECONDS": 5,
        "XRPL_RPC_URL": node.url,
        "RINGLEDGER_LEDGER_WATCH_INTERVAL": "0s",
        **RPC,
        **more,
    }


@pytest.fixture(scope="module")
def xaman() -> Iterator[FakeXaman]:
    with FakeXaman() as fake:
        yield fake


@pytest.fixture(scope="module")
def node() -> Iterator[FakeRippled]:
    with FakeRippled() as fake:
        fake.ledger.set_clock(close_time=ledger_now())
        yield fake


@pytest.fixture(scope="module")
def service(
    database: URL, data_dir: Path, xaman: FakeXaman, node: FakeRippled
) -> Iterator[TestClient]:
    settings = xaman_api_settings(database, data_dir, xaman, **RPC, XRPL_RPC_URL=node.url)
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def env(database: URL, data_dir: Path, xaman: FakeXaman, node: FakeRippled) -> dict[str, str]:
    values = overrides(xaman, node)
    return environment(database, data_dir, **{name: str(value) for name, value in values.items()})


@pytest.fixture
def promoter(node: FakeRippled, xaman: FakeXaman) -> LedgerWallet:
    return LedgerWallet(node=node, xaman=xaman)


class Scene:
    """A bout between fighters with wallets of their own, its promoter's wallet and admin."""

    def __init__(
        self,
        service: TestClient,
        node: FakeRippled,
        xaman: FakeXaman,
        promoter: LedgerWallet,
        admin: Account,
    ) -> None:
        api = Api(service)
        self.node, self.wallet, self.admin = node, promoter, admin
        account = api.register("promoter")
        account.address = promoter.address
        self.fighters = {corner: LedgerWallet(node=node, xaman=xaman) for corner in "AB"}
        a = api.fighter(name="Ada", address=self.fighters["A"].address)
        b = api.fighter(name="Bea", address=self.fighters["B"].address)
        bout = api.create_bout(account, a, b, event_datetime_utc=future_event(hours=-1))
        self.flow = Flow(api, account, bout)
        self.fighter_accounts = {"A": a, "B": b}

    def prepare(self, phase: str) -> dict[str, dict[str, Any]]:
        response = self.flow.post(f"/{phase}/prepare")
        assert response.status_code == 200, response.text
        return {item["escrow_kind"]: item for item in response.json()["escrows"]}

    def sign_all(self, prepared: dict[str, dict[str, Any]], **how: Any) -> dict[str, str]:
        """The promoter signs every prepared request in Xaman; the node validates each just
        after its time guard (or at once for a create)."""
        hashes = {}
        for kind, item in prepared.items():
            guard = self.guard(kind, item.get("action"))
            close = self.after(guard) if guard is not None else None
            tx_hash, _ = self.wallet.sign_request(payload_of(item), close_time=close, **how)
            hashes[kind] = tx_hash
        return hashes

    def guard(self, kind: str, action: str | None) -> int | None:
        if action is None:
            return None
        escrow = self.escrows()[kind]
        return int(escrow["cancel_after_ripple" if action == "cancel" else "finish_after_ripple"])

    def after(self, guard: int) -> int:
        """A close time past `guard` and past the newest ledger (the clock only moves on)."""
        return max(first_close_after(guard), self.node.ledger.close_time + 10)

    def escrows(self) -> dict[str, dict[str, Any]]:
        return {item["escrow_kind"]: item for item in self.flow.get().json()["escrows"]}

    def view(self) -> dict[str, Any]:
        return dict(self.flow.get().json())

    def enter(self, outcome: dict[str, str]) -> dict[str, Any]:
        response = self.flow.post("/result", outcome, who=self.admin)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def finish_by(self, wallet: LedgerWallet, kind: str, **extra: Any) -> str:
        """Someone finishes the escrow on their own, after FinishAfter."""
        escrow = self.escrows()[kind]
        tx = {
            "TransactionType": "EscrowFinish",
            "Account": wallet.address,
            "Owner": escrow["owner_address"],
            "OfferSequence": escrow["offer_sequence"],
            **extra,
        }
        return wallet.submit(tx, close_time=self.after(int(escrow["finish_after_ripple"])))

    def cancel_by(self, wallet: LedgerWallet, kind: str) -> str:
        """Someone cancels the escrow on their own, after CancelAfter."""
        escrow = self.escrows()[kind]
        tx = {
            "TransactionType": "EscrowCancel",
            "Account": wallet.address,
            "Owner": escrow["owner_address"],
            "OfferSequence": escrow["offer_sequence"],
        }
        return wallet.submit(tx, close_time=self.after(int(escrow["cancel_after_ripple"])))


@pytest.fixture
def scene(
    service: TestClient,
    node: FakeRippled,
    xaman: FakeXaman,
    promoter: LedgerWallet,
    admin: Account,
) -> Scene:
    return Scene(service, node, xaman, promoter, admin)


def payload_of(item: dict[str, Any]) -> str:
    return str(item["xaman_sign_request"]["payload_id"])


def worker_pass(env: dict[str, str], **more: str) -> Result:
    """One `ringledger reconcile` pass, as cron would run it."""
    result = run_cli({**env, **more}, "reconcile", "--rate", "60000", "--backoff", "0")
    assert result.exit_code in (0, 1), result.output
    return result


def moves(database: URL, bout_id: str, action: str) -> list[dict[str, Any]]:
    """The audit rows of escrow moves by `action` (applied or anomaly), oldest first."""
    return [
        row
        for row in db_state.audit(database, bout_id)
        if row["action"] == action and row["entity_type"] == "escrow" and "to" in row["details"]
    ]


def created(scene: Scene, env: dict[str, str]) -> dict[str, str]:
    """All four escrows created by the promoter's wallet and the follow-through."""
    hashes = scene.sign_all(scene.prepare("escrows"))
    assert worker_pass(env).exit_code == 0
    assert scene.view()["status"] == "escrows_created"
    return hashes


def anomalies_counted(kind: str) -> float:
    value = REGISTRY.get_sample_value("ringledger_ledger_anomalies_total", {"escrow_kind": kind})
    return value or 0.0


class TestFollowThrough:
    def test_a_promoter_who_signs_and_walks_away(
        self, scene: Scene, env: dict[str, str], database: URL
    ) -> None:
        hashes = scene.sign_all(scene.prepare("escrows"))
        result = worker_pass(env)
        assert result.exit_code == 0, result.output
        assert "follow-through: followed 4, recorded 4, waiting 0, failed 0" in result.stdout
        view = scene.view()
        assert view["status"] == "escrows_created"
        for escrow in view["escrows"]:
            assert escrow["status"] == "created"
            assert escrow["create_tx_hash"] == hashes[escrow["escrow_kind"]]
            on_ledger = scene.node.records[hashes[escrow["escrow_kind"]]].tx_json
            assert escrow["offer_sequence"] == on_ledger["Sequence"]
        rows = moves(database, scene.flow.id, "escrow.confirm_create")
        assert len(rows) == 4 and {row["actor_role"] for row in rows} == {"system"}
        again = worker_pass(env)
        assert "follow-through: followed 0" in again.stdout
        assert len(moves(database, scene.flow.id, "escrow.confirm_create")) == 4

    def test_payouts_and_the_refund_without_a_single_confirm(
        self, scene: Scene, env: dict[str, str], database: URL
    ) -> None:
        created(scene, env)
        scene.enter({"winner": "A"})
        payouts = scene.prepare("payouts")
        refund = payouts.pop("bonus_b")
        scene.sign_all(payouts)
        worker_pass(env)
        view = scene.view()
        assert (view["status"], view["refund_pending"]) == ("closed", True)
        assert {e["escrow_kind"]: e["closed_by_address"] for e in view["escrows"]} == {
            "show_a": scene.wallet.address,
            "show_b": scene.wallet.address,
            "bonus_a": scene.wallet.address,
            "bonus_b": None,
        }
        scene.sign_all({"bonus_b": refund})
        worker_pass(env)
        view = scene.view()
        assert (view["status"], view["refund_pending"]) == ("closed", False)
        assert view["anomalies"] == []
        payout_rows = moves(database, scene.flow.id, "escrow.confirm_payout")
        assert len(payout_rows) == 4 and {row["actor_role"] for row in payout_rows} == {"system"}

    def test_a_transaction_validated_only_on_a_later_pass(
        self, scene: Scene, env: dict[str, str]
    ) -> None:
        prepared = scene.prepare("escrows")
        tx_hash, signed = scene.wallet.sign_request(payload_of(prepared["show_a"]), validated=False)
        first = worker_pass(env)
        assert "follow-through: followed 0, recorded 0, waiting 1" in first.stdout
        assert scene.escrows()["show_a"]["status"] == "planned"
        scene.wallet.validate_later(signed)
        second = worker_pass(env)
        assert "follow-through: followed 1, recorded 1, waiting 0" in second.stdout
        assert scene.escrows()["show_a"]["create_tx_hash"] == tx_hash

    def test_given_up_after_the_configured_time(
        self, scene: Scene, env: dict[str, str], database: URL
    ) -> None:
        prepared = scene.prepare("escrows")
        scene.wallet.sign_request(payload_of(prepared["show_b"]), validated=False)
        worker_pass(env)  # records the signature; the node does not know the transaction
        time.sleep(1.2)
        result = worker_pass(env, RINGLEDGER_FOLLOW_THROUGH_GIVE_UP="1s")
        assert "follow-through: followed 1, recorded 0" in result.stdout
        escrow = scene.escrows()["show_b"]
        assert (escrow["status"], escrow["failure_code"]) == ("planned", "confirmation_timeout")
        [attempt] = db_state.rows(
            database,
            "SELECT followed_outcome FROM signing_attempts WHERE payload_id = %s",
            payload_of(prepared["show_b"]),
        )
        assert attempt["followed_outcome"] == "confirmation_timeout"
        last = db_state.audit(database, scene.flow.id)[-1]
        assert (last["actor_role"], last["outcome"]) == ("system", "rejected")
        assert last["failure_code"] == "confirmation_timeout"

    def test_a_move_already_confirmed_is_not_asked_of_the_node_again(
        self, scene: Scene, env: dict[str, str], database: URL, node: FakeRippled
    ) -> None:
        hashes = scene.sign_all(scene.prepare("escrows"))
        for kind in KINDS:  # the promoter's own confirms are first
            body = {"escrow_kind": kind, "tx_hash": hashes[kind]}
            assert scene.flow.post("/escrows/confirm", body, key=f"own-{kind}").status_code == 200
        asked = len(node.calls("tx"))
        result = worker_pass(env)
        assert "follow-through: followed 4, recorded 0" in result.stdout, result.stdout
        assert len(node.calls("tx")) == asked
        rows = db_state.rows(
            database,
            "SELECT followed_outcome FROM signing_attempts WHERE bout_id = %s",
            scene.flow.id,
        )
        assert [row["followed_outcome"] for row in rows] == ["already_recorded"] * 4

    def test_two_workers_and_a_promoter_confirm_move_each_escrow_once(
        self,
        scene: Scene,
        env: dict[str, str],
        database: URL,
        data_dir: Path,
        xaman: FakeXaman,
        node: FakeRippled,
    ) -> None:
        hashes = scene.sign_all(scene.prepare("escrows"))
        for kind in KINDS:  # the signatures are recorded; nothing is confirmed yet
            body = {"escrow_kind": kind, "payload_id": payload_of_escrow(scene, kind)}
            assert scene.flow.post("/escrows/signing/reconcile", body).status_code == 200
        settings = test_settings(database, data_dir, **overrides(xaman, node))
        answers: list[int] = []

        async def one_worker() -> None:
            pool = await Database.connect(
                database, pool_size=2, lock_timeout=settings.RINGLEDGER_IDEMPOTENCY_WAIT
            )
            ledger = build_ledger(settings)
            try:
                await follow_through.run(pool, ledger, settings, lease=Lease.for_this_process())
            finally:
                await pool.close()

        def promoter_confirms() -> None:
            for kind in KINDS:
                body = {"escrow_kind": kind, "tx_hash": hashes[kind]}
                answers.append(
                    scene.flow.post("/escrows/confirm", body, key=f"own-{kind}").status_code
                )

        async def all_at_once() -> None:
            async with anyio.create_task_group() as group:
                group.start_soon(one_worker)
                group.start_soon(one_worker)
                group.start_soon(anyio.to_thread.run_sync, promoter_confirms)

        anyio.run(all_at_once)
        assert scene.view()["status"] == "escrows_created"
        assert set(answers) <= {200, 409}, answers
        rows = moves(database, scene.flow.id, "escrow.confirm_create")
        assert sorted(row["details"]["escrow_kind"] for row in rows) == sorted(KINDS)
        recorded = db_state.rows(
            database,
            "SELECT count(*) AS n FROM ledger_moves m JOIN escrows e ON e.id = m.escrow_id"
            " WHERE e.bout_id = %s",
            scene.flow.id,
        )
        assert recorded[0]["n"] == 4


def payload_of_escrow(scene: Scene, kind: str) -> str:
    return str(scene.escrows()[kind]["signing"]["payload_id"])


class TestWatch:
    def test_a_show_its_fighter_finished_before_the_result(
        self, scene: Scene, env: dict[str, str], database: URL
    ) -> None:
        created(scene, env)
        tx_hash = scene.finish_by(scene.fighters["A"], "show_a")
        result = worker_pass(env)
        assert "ledger watch:" in result.stdout and "recorded 1, anomalies 0" in result.stdout
        view = scene.view()
        show_a = next(e for e in view["escrows"] if e["escrow_kind"] == "show_a")
        assert (show_a["status"], show_a["close_tx_hash"]) == ("finished", tx_hash)
        assert show_a["closed_by_address"] == scene.fighters["A"].address
        assert (view["status"], view["anomalies"]) == ("escrows_created", [])
        [row] = moves(database, scene.flow.id, "escrow.observed_on_ledger")
        assert row["actor_role"] == "system" and row["outcome"] == "applied"
        assert row["details"]["submitted_by"] == scene.fighters["A"].address
        assert row["details"]["transaction_type"] == "EscrowFinish"
        # From the result on it counts as a payout; the payout prepare leaves it out.
        assert scene.enter({"outcome": "draw"})["bout_status"] == "payouts_in_progress"
        assert "show_a" not in scene.prepare("payouts")

    def test_a_show_its_fighter_finished_after_the_result(
        self, scene: Scene, env: dict[str, str]
    ) -> None:
        created(scene, env)
        scene.enter({"winner": "B"})
        scene.finish_by(scene.fighters["B"], "show_b")
        worker_pass(env)
        view = scene.view()
        assert view["status"] == "payouts_in_progress" and view["anomalies"] == []

    def test_a_bonus_a_stranger_cancelled_after_the_bout_closed(
        self, scene: Scene, env: dict[str, str], node: FakeRippled, database: URL
    ) -> None:
        created(scene, env)
        scene.enter({"winner": "A"})
        payouts = scene.prepare("payouts")
        payouts.pop("bonus_b")
        scene.sign_all(payouts)
        worker_pass(env)
        assert scene.view()["refund_pending"] is True
        stranger = LedgerWallet(node=node)
        scene.cancel_by(stranger, "bonus_b")
        worker_pass(env)
        view = scene.view()
        assert (view["status"], view["refund_pending"], view["anomalies"]) == ("closed", False, [])
        bonus_b = next(e for e in view["escrows"] if e["escrow_kind"] == "bonus_b")
        assert (bonus_b["status"], bonus_b["closed_by_address"]) == ("cancelled", stranger.address)

    def test_a_bonus_finished_before_any_result_is_an_anomaly(
        self, scene: Scene, env: dict[str, str], node: FakeRippled, database: URL
    ) -> None:
        created(scene, env)
        before = anomalies_counted("bonus_a")
        tx_hash = scene.finish_by(scene.fighters["A"], "bonus_a")
        result = worker_pass(env)
        assert result.exit_code == 0
        assert "anomalies 1" in result.stdout
        view = scene.view()
        [anomaly] = view["anomalies"]
        assert (anomaly["escrow_kind"], anomaly["tx_hash"]) == ("bonus_a", tx_hash)
        assert "before any result" in anomaly["reason"] and anomaly["observed_at"]
        assert view["status"] == "escrows_created"
        [row] = moves(database, scene.flow.id, "escrow.observed_on_ledger")
        assert (row["outcome"], row["details"]["reason"]) == ("anomaly", anomaly["reason"])
        assert anomalies_counted("bonus_a") == before + 1
        # The result the admin enters later does not hide it.
        scene.enter({"winner": "B"})
        assert scene.view()["anomalies"] == [anomaly]


class TestClaims:
    def test_a_fighter_claims_the_show_purse_and_the_worker_records_it(
        self, scene: Scene, env: dict[str, str], database: URL
    ) -> None:
        created(scene, env)
        db_state.execute(
            database,
            "UPDATE bouts SET finish_after_at = now() - interval '1 minute' WHERE id = %s",
            scene.flow.id,
        )
        fighter = scene.fighter_accounts["A"]
        response = scene.flow.post("/escrows/show_a/claim", who=fighter)
        assert response.status_code == 200, response.text
        claim = response.json()
        wallet = scene.fighters["A"]
        escrow = scene.escrows()["show_a"]
        tx_hash, _ = wallet.sign_request(
            payload_of(claim), close_time=scene.after(int(escrow["finish_after_ripple"]))
        )
        worker_pass(env)
        show_a = scene.escrows()["show_a"]
        assert (show_a["status"], show_a["close_tx_hash"]) == ("finished", tx_hash)
        assert show_a["closed_by_address"] == wallet.address


class TestLedgerCheck:
    def test_exit_codes_and_apply(self, scene: Scene, env: dict[str, str]) -> None:
        created(scene, env)
        clean = run_cli(env, "ledger-check", "--bout", scene.flow.id)
        assert clean.exit_code == 0, clean.output
        assert "disagreements 0" in clean.stdout
        tx_hash = scene.finish_by(scene.fighters["B"], "show_b")
        found = run_cli(env, "ledger-check", "--bout", scene.flow.id)
        assert found.exit_code == 1, found.output
        assert "show_b" in found.stdout and tx_hash in found.stdout
        assert scene.escrows()["show_b"]["status"] == "created"  # nothing recorded without --apply
        applied = run_cli(env, "ledger-check", "--bout", scene.flow.id, "--apply")
        assert applied.exit_code == 0, applied.output
        assert "recorded 1" in applied.stdout
        assert scene.escrows()["show_b"]["close_tx_hash"] == tx_hash
        assert run_cli(env, "ledger-check", "--bout", scene.flow.id).exit_code == 0

    def test_a_signed_create_the_records_still_show_planned(
        self, scene: Scene, env: dict[str, str]
    ) -> None:
        prepared = scene.prepare("escrows")
        tx_hash, _ = scene.wallet.sign_request(payload_of(prepared["bonus_a"]))
        body = {"escrow_kind": "bonus_a", "payload_id": payload_of(prepared["bonus_a"])}
        assert scene.flow.post("/escrows/signing/reconcile", body).status_code == 200
        found = run_cli(env, "ledger-check", "--bout", scene.flow.id)
        assert found.exit_code == 1 and "planned" in found.stdout and tx_hash in found.stdout
        applied = run_cli(env, "ledger-check", "--bout", scene.flow.id, "--apply")
        assert applied.exit_code == 0, applied.output
        assert scene.escrows()["bonus_a"]["create_tx_hash"] == tx_hash

    def test_stub_mode_has_no_ledger_to_check(self, database: URL, data_dir: Path) -> None:
        refused = run_cli(environment(database, data_dir), "ledger-check")
        assert refused.exit_code == 2 and "XRPL_MODE=rpc" in refused.stderr


class TestStoppingTheWorker:
    """`reconcile --watch` told to stop (SIGTERM, as a rolling restart does) finishes the item in
    hand within RINGLEDGER_SHUTDOWN_GRACE, gives every claim back and exits 0."""

    def start_worker(self, env: dict[str, str], **more: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "ringledger.cli.main", "reconcile", "--watch"]
        command += ["--interval", "0.2", "--rate", "60000", "--backoff", "0"]
        return subprocess.Popen(
            command,
            env={**os.environ, **env, **more},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def wait_for_a_read(self, node: FakeRippled, before: int) -> None:
        deadline = time.monotonic() + 20
        while len(node.calls("tx")) == before:
            assert time.monotonic() < deadline, "the worker never asked the node"
            time.sleep(0.05)

    def leases_held(self, database: URL) -> list[dict[str, Any]]:
        return db_state.rows(
            database,
            "SELECT id FROM signing_attempts WHERE lease_owner IS NOT NULL"
            " UNION ALL SELECT id FROM escrows WHERE watch_lease_owner IS NOT NULL",
        )

    def test_the_item_in_hand_is_finished_and_the_claims_given_back(
        self, scene: Scene, env: dict[str, str], database: URL, node: FakeRippled
    ) -> None:
        prepared = scene.prepare("escrows")
        tx_hash, _ = scene.wallet.sign_request(payload_of(prepared["show_a"]))
        node.slow_seconds = 2.0
        node.fail_next(RippledFault.SLOW, method="tx")
        before = len(node.calls("tx"))
        worker = self.start_worker(env, RINGLEDGER_SHUTDOWN_GRACE="15s")
        try:
            self.wait_for_a_read(node, before)
            worker.send_signal(signal.SIGTERM)
            started = time.monotonic()
            _, stderr = worker.communicate(timeout=30)
        finally:
            worker.kill()
        assert worker.returncode == 0, stderr.decode()
        assert time.monotonic() - started < 15
        # The slow read was answered and its move recorded before the worker left.
        assert scene.escrows()["show_a"]["create_tx_hash"] == tx_hash
        assert self.leases_held(database) == []

    def test_an_item_longer_than_the_grace_is_cut_and_its_claims_given_back(
        self, scene: Scene, env: dict[str, str], database: URL, node: FakeRippled
    ) -> None:
        prepared = scene.prepare("escrows")
        scene.wallet.sign_request(payload_of(prepared["show_a"]))
        node.slow_seconds = 8.0
        node.fail_next(RippledFault.SLOW, method="tx")
        before = len(node.calls("tx"))
        worker = self.start_worker(
            env, RINGLEDGER_SHUTDOWN_GRACE="2s", RINGLEDGER_SHUTDOWN_NOTICE="1s"
        )
        try:
            self.wait_for_a_read(node, before)
            worker.send_signal(signal.SIGTERM)
            started = time.monotonic()
            _, stderr = worker.communicate(timeout=30)
        finally:
            worker.kill()
        assert worker.returncode == 0, stderr.decode()
        assert time.monotonic() - started < 6
        assert scene.escrows()["show_a"]["status"] == "planned"  # nothing half-recorded
        assert self.leases_held(database) == []
        # The next worker takes the attempt up again at once: nothing waits for a lease.
        node.slow_seconds = 1.0
        assert worker_pass(env).exit_code == 0
        assert scene.escrows()["show_a"]["status"] == "created"
