"""A hypothesis state machine over the real ledger path (`XRPL_MODE=rpc` against the local node):
the promoter's wallet signs and submits, the promoter confirms or walks away, fighters and
strangers move escrows on their own, and the worker's passes (follow-through and watch) run at
random moments. After every step: statuses only move along the tables; every escrow is locked,
paid to its fighter or refunded; nothing is recorded that the ledger does not show; a move the
outcome does not allow is recorded as an anomaly; nothing answers 5xx.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.engine import URL

from ringledger.bouts.lifecycle import BOUT_TRANSITIONS, ESCROW_TRANSITIONS
from ringledger.bouts.models import BoutStatus, EscrowKind, EscrowStatus, Outcome
from ringledger.bouts.outcomes import plan_for
from ringledger.core.config import Settings
from ringledger.core.db import Database
from ringledger.core.leases import Lease
from ringledger.ledger.evidence import PayoutAction
from ringledger.ledger.factory import build_ledger
from ringledger.main import create_asgi
from ringledger.settlement import follow_through, watch
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import Account, Api, future_event, insert_admin
from tests.support.database import libpq
from tests.support.fake_rippled import FakeRippled
from tests.support.flow import KINDS, Flow
from tests.support.wallets import LedgerWallet, ledger_now

EXAMPLES = int(os.environ.get("RINGLEDGER_STATEFUL_LEDGER_EXAMPLES", "10"))
RESULTS = st.sampled_from(
    [{"winner": "A"}, {"winner": "B"}, {"outcome": "draw"}, {"outcome": "no_contest"}]
)
# Eight days on: every bout's FinishAfter and CancelAfter have passed on this ledger's clock.
LATER = 8 * 24 * 3600


S = TypeVar("S", BoutStatus, EscrowStatus)


def reachable(table: dict[S, frozenset[S]], start: S) -> set[S]:
    """Every status the table leads to from `start`, `start` included."""
    found, frontier = {start}, [start]
    while frontier:
        for after in table[frontier.pop()]:
            if after not in found:
                found.add(after)
                frontier.append(after)
    return found


class LedgerMachine(RuleBasedStateMachine):
    client: ClassVar[TestClient]
    database: ClassVar[URL]
    node: ClassVar[FakeRippled]
    settings: ClassVar[Settings]
    worker: ClassVar[Worker]
    bouts = Bundle("bouts")

    def __init__(self) -> None:
        super().__init__()
        self.api = Api(self.client)
        self.flows: dict[str, Flow] = {}
        self.seen_bout: dict[str, str] = {}
        self.seen_escrows: dict[str, dict[str, str]] = {}
        # The sequence of each EscrowCreate the promoter submitted, by (bout, kind).
        self.sequences: dict[tuple[str, str], int] = {}

    @initialize()
    def cast(self) -> None:
        self.wallet = LedgerWallet(node=self.node)
        self.promoter = self.api.register("promoter")
        self.promoter.address = self.wallet.address
        self.fighters = [LedgerWallet(node=self.node) for _ in range(2)]
        self.a = self.api.fighter(address=self.fighters[0].address)
        self.b = self.api.fighter(address=self.fighters[1].address)
        self.stranger = LedgerWallet(node=self.node)
        email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
        insert_admin(libpq(self.database), email)
        self.admin = Account("", email, "admin", self.api.login(email))

    @rule(target=bouts)
    def create_bout(self) -> str:
        event = future_event(hours=-1.5)
        bout = self.api.create_bout(self.promoter, self.a, self.b, event_datetime_utc=event)
        self.flows[bout["bout_id"]] = Flow(self.api, self.promoter, bout)
        return str(bout["bout_id"])

    @rule(bout_id=bouts, kind=st.sampled_from(KINDS), confirm=st.booleans())
    def promoter_signs_a_create(self, bout_id: str, kind: str, confirm: bool) -> None:
        self.promoter_signs(bout_id, "escrows", kind, confirm)

    @rule(bout_id=bouts, confirm=st.booleans())
    def promoter_signs_every_create(self, bout_id: str, confirm: bool) -> None:
        for kind in KINDS:
            self.promoter_signs(bout_id, "escrows", kind, confirm)

    @rule(bout_id=bouts, result=RESULTS)
    def enter_result(self, bout_id: str, result: dict[str, str]) -> None:
        self.check(self.flows[bout_id].post("/result", result, who=self.admin), {200, 409})

    @rule(bout_id=bouts, kind=st.sampled_from(KINDS), confirm=st.booleans())
    def promoter_signs_a_payout(self, bout_id: str, kind: str, confirm: bool) -> None:
        self.promoter_signs(bout_id, "payouts", kind, confirm)

    @rule(
        bout_id=bouts,
        kind=st.sampled_from(KINDS),
        who=st.sampled_from(["fighter", "stranger"]),
        action=st.sampled_from(list(PayoutAction)),
    )
    def someone_else_moves_an_escrow(
        self, bout_id: str, kind: str, who: str, action: PayoutAction
    ) -> None:
        """A finish (any escrow; a bonus's means its preimage leaked) or a cancel (a bonus's
        only: a show escrow has no CancelAfter), straight to the ledger."""
        if action is PayoutAction.CANCEL and not EscrowKind(kind).is_bonus:
            return
        entry = self.sequences.get((bout_id, kind))
        if entry is None or (self.wallet.address, entry) not in self.node.ledger.escrows:
            return
        submitter = (
            self.fighters[0 if kind.endswith("_a") else 1] if who == "fighter" else self.stranger
        )
        tx = {
            "TransactionType": action.transaction_type,
            "Account": submitter.address,
            "Owner": self.wallet.address,
            "OfferSequence": entry,
        }
        submitter.submit(tx)

    @rule()
    def the_worker_passes(self) -> None:
        self.worker.one_pass()

    def promoter_signs(self, bout_id: str, phase: str, kind: str, confirm: bool) -> None:
        """Prepare, sign and submit one transaction; then confirm it, or only let the service
        learn the signature (the follow-through's case: the browser was closed)."""
        flow = self.flows[bout_id]
        prepared = flow.post(f"/{phase}/prepare")
        self.check(prepared, {200, 409, 422})
        items = {item["escrow_kind"]: item for item in prepared.json().get("escrows", [])}
        if kind not in items:
            return
        item = items[kind]
        if self.refused_by_the_ledger(item["unsigned_tx"]):
            return
        tx_hash = self.wallet.submit(item["unsigned_tx"])
        if phase == "escrows":
            self.sequences[(bout_id, kind)] = self.node.records[tx_hash].tx_json["Sequence"]
        if confirm:
            body = {"escrow_kind": kind, "tx_hash": tx_hash}
            self.check(flow.post(f"/{phase}/confirm", body, key=uuid.uuid4().hex), {200, 409, 422})
            return
        payload_id = item["xaman_sign_request"]["payload_id"]
        body = {
            "escrow_kind": kind,
            "payload_id": payload_id,
            "observed_status": "signed",
            "observed_tx_hash": tx_hash,
        }
        self.check(flow.post(f"/{phase}/signing/reconcile", body), {200, 409})

    def refused_by_the_ledger(self, tx: dict[str, Any]) -> bool:
        """A finish or cancel of an escrow no longer on the ledger would fail there
        (tecNO_TARGET): the wallet does not submit it."""
        if tx["TransactionType"] == "EscrowCreate":
            return False
        return (tx["Owner"], tx["OfferSequence"]) not in self.node.ledger.escrows

    @staticmethod
    def check(response: Any, allowed: set[int]) -> None:
        assert response.status_code < 500, response.text
        assert response.status_code in allowed, (response.status_code, response.text)

    @invariant()
    def every_bout_keeps_its_invariants(self) -> None:
        for bout_id in self.flows:
            status = db_state.bout_status(self.database, bout_id)
            escrows = db_state.escrows(self.database, bout_id)
            self.statuses_follow_the_tables(bout_id, status, escrows)
            outcome = db_state.rows(
                self.database, "SELECT outcome FROM bouts WHERE id = %s", bout_id
            )[0]["outcome"]
            for row in escrows.values():
                self.recorded_as_the_ledger_shows(row)
                self.a_disallowed_move_is_an_anomaly(outcome, row)
            if status == "closed":
                plan = plan_for(Outcome(outcome))
                assert all(
                    escrows[kind.value]["status"] in ("finished", "cancelled")
                    for kind in plan.paid_out
                )

    def statuses_follow_the_tables(
        self, bout_id: str, status: str, escrows: dict[str, dict[str, Any]]
    ) -> None:
        # One worker pass may take an escrow through two moves (its create, then a close
        # someone else made): whatever was reached must be reachable along the table.
        before = self.seen_bout.get(bout_id, "draft")
        assert BoutStatus(status) in reachable(BOUT_TRANSITIONS, BoutStatus(before))
        self.seen_bout[bout_id] = status
        previous = self.seen_escrows.setdefault(bout_id, {})
        for kind, row in escrows.items():
            old = EscrowStatus(previous.get(kind, "planned"))
            assert EscrowStatus(row["status"]) in reachable(ESCROW_TRANSITIONS, old)
            previous[kind] = row["status"]

    def recorded_as_the_ledger_shows(self, row: dict[str, Any]) -> None:
        """Locked, paid to its fighter or refunded — and only as validated transactions say."""
        if row["status"] == "planned":
            return
        create = self.node.records[row["create_tx_hash"]]
        assert create.validated and create.result == "tesSUCCESS"
        assert create.tx_json["TransactionType"] == "EscrowCreate"
        assert create.tx_json["Destination"] == row["destination_address"]
        assert int(create.tx_json["Amount"]) == row["amount_drops"]
        assert create.tx_json["Sequence"] == row["offer_sequence"]
        if row["status"] == "created":
            return
        close = self.node.records[row["close_tx_hash"]]
        assert close.validated and close.result == "tesSUCCESS"
        expected = "EscrowFinish" if row["status"] == "finished" else "EscrowCancel"
        assert close.tx_json["TransactionType"] == expected
        assert close.tx_json["OfferSequence"] == row["offer_sequence"]
        assert (row["owner_address"], row["offer_sequence"]) not in self.node.ledger.escrows
        assert row["closed_by_address"] == close.tx_json["Account"]

    @staticmethod
    def a_disallowed_move_is_an_anomaly(outcome: str | None, row: dict[str, Any]) -> None:
        kind, status = EscrowKind(row["kind"]), row["status"]
        if status not in ("finished", "cancelled"):
            assert row["anomaly_reason"] is None
            return
        if kind.is_bonus is False and status == "finished":
            assert row["anomaly_reason"] is None  # shows are paid whatever the outcome
            return
        if outcome is None:
            assert row["anomaly_reason"] is not None  # a bonus moved before any result
            return
        wanted = plan_for(Outcome(outcome)).action(kind)
        done = PayoutAction.FINISH if status == "finished" else PayoutAction.CANCEL
        if done is not wanted:
            assert row["anomaly_reason"] is not None


class Worker:
    """The worker's follow-through and watch, on one event loop and pool for the whole run."""

    def __init__(self, portal: BlockingPortal, database: URL, configured: Settings) -> None:
        self.portal, self.settings = portal, configured
        self.pool = portal.call(
            lambda: Database.connect(
                database, pool_size=2, lock_timeout=configured.RINGLEDGER_IDEMPOTENCY_WAIT
            )
        )
        self.ledger = build_ledger(configured)

    def one_pass(self) -> None:
        self.portal.call(self._pass)

    async def _pass(self) -> None:
        lease = Lease.for_this_process()
        await follow_through.run(self.pool, self.ledger, self.settings, lease=lease)
        await watch.run(self.pool, self.ledger, self.settings, lease=lease)

    def close(self) -> None:
        self.portal.call(self.pool.close)


@pytest.fixture(scope="module")
def node() -> Iterator[FakeRippled]:
    with FakeRippled() as fake:
        fake.ledger.set_clock(close_time=ledger_now() + LATER)
        yield fake


@pytest.fixture(scope="module")
def rpc_service(
    database: URL, data_dir: Path, node: FakeRippled
) -> Iterator[tuple[TestClient, Settings]]:
    configured = test_settings(
        database,
        data_dir,
        XRPL_MODE="rpc",
        XRPL_RPC_URL=node.url,
        XRPL_TIMEOUT_SECONDS=5,
        RINGLEDGER_LEDGER_WATCH_INTERVAL="0s",
    )
    with TestClient(create_asgi(configured), raise_server_exceptions=False) as client:
        yield client, configured


def test_random_ledger_histories_keep_every_invariant(
    rpc_service: tuple[TestClient, Settings], database: URL, node: FakeRippled
) -> None:
    LedgerMachine.client, LedgerMachine.settings = rpc_service
    LedgerMachine.database, LedgerMachine.node = database, node
    with start_blocking_portal() as portal:
        LedgerMachine.worker = Worker(portal, database, rpc_service[1])
        try:
            run_state_machine_as_test(
                LedgerMachine,
                settings=settings(
                    max_examples=EXAMPLES,
                    stateful_step_count=16,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                ),
            )
        finally:
            LedgerMachine.worker.close()
