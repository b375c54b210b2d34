"""A hypothesis state machine drives random sequences of API calls, valid and invalid, and
checks after every step: statuses only move along the tables, money is conserved (every escrow
ends locked, paid to its fighter or refunded, as the outcome says), no preimage is revealed
without a winner, the audit trail matches the moves, and nothing answers 5xx."""

from __future__ import annotations

import os
import uuid
from typing import Any, ClassVar

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
from tests.support import db_state
from tests.support.api import Account, Api, future_event, insert_admin
from tests.support.database import libpq
from tests.support.flow import KINDS, Flow, create_evidence, guard_of, payout_evidence

EXAMPLES = int(os.environ.get("RINGLEDGER_STATEFUL_EXAMPLES", "200"))
CREATE_FAULTS = st.sampled_from(
    [
        {},
        {},
        {"engine_result": "declined"},
        {"validated": False},
        {"engine_result": "tecUNFUNDED_PAYMENT"},
        {"amount_drops": 1},
    ]
)
PAYOUT_FAULTS = st.sampled_from(
    [{}, {}, {"engine_result": "temMALFORMED"}, {"validated": False}, {"close_time_ripple": 0}]
)
RESULTS = st.sampled_from(
    [{"winner": "A"}, {"winner": "B"}, {"outcome": "draw"}, {"outcome": "no_contest"}]
)


class LifecycleMachine(RuleBasedStateMachine):
    client: ClassVar[TestClient]
    database: ClassVar[URL]
    bouts = Bundle("bouts")

    def __init__(self) -> None:
        super().__init__()
        self.api = Api(self.client)
        self.seen_bout: dict[str, str] = {}
        self.seen_escrows: dict[str, dict[str, str]] = {}
        self.sent: list[tuple[str, str, dict[str, Any], str, bytes, int]] = []
        self.flows: dict[str, Flow] = {}
        # Every payout transaction the service handed out, by bout: what it revealed.
        self.prepared: dict[str, list[dict[str, Any]]] = {}

    @initialize()
    def cast(self) -> None:
        self.promoter = self.api.promoter()
        self.a, self.b = self.api.fighter(), self.api.fighter()
        email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
        insert_admin(libpq(self.database), email)
        self.admin = Account("", email, "admin", self.api.login(email))

    @rule(target=bouts, started=st.booleans())
    def create_bout(self, started: bool) -> str:
        event = future_event(hours=-1.5) if started else future_event()
        bout = self.api.create_bout(self.promoter, self.a, self.b, event_datetime_utc=event)
        self.flows[bout["bout_id"]] = Flow(self.api, self.promoter, bout)
        return str(bout["bout_id"])

    @rule(bout_id=bouts)
    def prepare_escrows(self, bout_id: str) -> None:
        self.check(self.flows[bout_id].post("/escrows/prepare"), {200, 409})

    @rule(bout_id=bouts, kind=st.sampled_from(KINDS), fault=CREATE_FAULTS)
    def confirm_create(self, bout_id: str, kind: str, fault: dict[str, Any]) -> None:
        flow = self.flows[bout_id]
        body = create_evidence(flow.escrow(kind), **fault)
        self.send(flow, "/escrows/confirm", body, {200, 409, 422})

    @rule(
        bout_id=bouts,
        kind=st.sampled_from(KINDS),
        observed=st.sampled_from(["signed", "declined", "expired", "open", "bogus"]),
    )
    def reconcile(self, bout_id: str, kind: str, observed: str) -> None:
        flow = self.flows[bout_id]
        signing = flow.escrow(kind)["signing"]
        payload_id = signing["payload_id"] if signing else str(uuid.uuid4())
        phase = "/payouts" if flow.get().json()["outcome"] else "/escrows"
        body = {"escrow_kind": kind, "payload_id": payload_id, "observed_status": observed}
        self.check(flow.post(f"{phase}/signing/reconcile", body), {200, 400, 404, 409})

    @rule(bout_id=bouts, result=RESULTS)
    def enter_result(self, bout_id: str, result: dict[str, str]) -> None:
        self.check(self.flows[bout_id].post("/result", result, who=self.admin), {200, 409})

    @rule(bout_id=bouts)
    def withdraw(self, bout_id: str) -> None:
        self.check(self.flows[bout_id].post("/withdraw"), {200, 409})

    @rule(bout_id=bouts, kind=st.sampled_from(KINDS), fault=PAYOUT_FAULTS)
    def confirm_payout(self, bout_id: str, kind: str, fault: dict[str, Any]) -> None:
        flow = self.flows[bout_id]
        prepared = flow.post("/payouts/prepare")
        self.check(prepared, {200, 409})
        if prepared.status_code != 200:
            return
        view = flow.get().json()
        items = {item["escrow_kind"]: item for item in prepared.json()["escrows"]}
        self.prepared.setdefault(bout_id, []).extend(items.values())
        if kind not in items:
            return
        escrow = next(e for e in view["escrows"] if e["escrow_kind"] == kind)
        self.send(
            flow,
            "/payouts/confirm",
            payout_evidence({**items[kind], "_guard": guard_of(items[kind], escrow)}, **fault),
            {200, 409, 422},
        )

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        if not self.sent:
            return
        bout_id, path, body, key, content, status = data.draw(st.sampled_from(self.sent))
        response = self.flows[bout_id].post(path, body, key=key)
        assert (response.status_code, response.content) == (status, content)

    def send(self, flow: Flow, path: str, body: dict[str, Any], allowed: set[int]) -> None:
        key = uuid.uuid4().hex
        response = flow.post(path, body, key=key)
        self.check(response, allowed)
        self.sent.append((flow.id, path, body, key, response.content, response.status_code))

    @staticmethod
    def check(response: Any, allowed: set[int]) -> None:
        assert response.status_code < 500, response.text
        assert response.status_code in allowed, (response.status_code, response.text)
        if response.status_code >= 400:
            assert {"detail", "code"} <= set(response.json())

    @invariant()
    def statuses_follow_the_tables(self) -> None:
        for bout_id in self.flows:
            status = db_state.bout_status(self.database, bout_id)
            before = self.seen_bout.get(bout_id, "draft")
            assert status == before or BoutStatus(status) in BOUT_TRANSITIONS[BoutStatus(before)]
            self.seen_bout[bout_id] = status
            escrows = db_state.escrows(self.database, bout_id)
            previous = self.seen_escrows.setdefault(bout_id, {})
            for kind, row in escrows.items():
                old = previous.get(kind, "planned")
                assert (
                    row["status"] == old
                    or EscrowStatus(row["status"]) in ESCROW_TRANSITIONS[EscrowStatus(old)]
                )
                previous[kind] = row["status"]
            outcome = db_state.rows(
                self.database, "SELECT outcome FROM bouts WHERE id = %s", bout_id
            )[0]["outcome"]
            self.money_is_conserved(status, outcome, escrows)
            self.nothing_revealed_without_a_winner(bout_id, outcome)
            self.audit_matches(bout_id, escrows)

    @staticmethod
    def money_is_conserved(
        status: str, outcome: str | None, escrows: dict[str, dict[str, Any]]
    ) -> None:
        """Every escrow is locked, paid to its fighter or refunded, as the outcome allows."""
        total = sum(row["amount_drops"] for row in escrows.values())
        buckets = {"planned": 0, "created": 0, "finished": 0, "cancelled": 0}
        for row in escrows.values():
            buckets[row["status"]] += row["amount_drops"]
        assert sum(buckets.values()) == total
        statuses = {kind: row["status"] for kind, row in escrows.items()}
        if status == "draft":
            assert set(statuses.values()) <= {"planned", "created"}
            assert set(statuses.values()) != {"created"}
        elif status == "withdrawn":
            assert set(statuses.values()) == {"planned"}
        else:
            assert "planned" not in statuses.values()
        if outcome is None:
            assert not {"finished", "cancelled"} & set(statuses.values())
            return
        plan = plan_for(Outcome(outcome))
        for kind, escrow_status in statuses.items():
            if escrow_status == "finished":
                assert EscrowKind(kind) in plan.paid_out, (outcome, kind)
            if escrow_status == "cancelled":
                assert EscrowKind(kind) in plan.refunds, (outcome, kind)
        if status == "closed":
            assert all(statuses[kind.value] == "finished" for kind in plan.paid_out)

    def nothing_revealed_without_a_winner(self, bout_id: str, outcome: str | None) -> None:
        """A fulfillment goes out only in the winner's bonus finish, never without a winner."""
        winner_bonus = {"win_a": "bonus_a", "win_b": "bonus_b"}.get(outcome or "")
        for item in self.prepared.get(bout_id, []):
            revealed = "Fulfillment" in item["unsigned_tx"]
            assert revealed == (item["escrow_kind"] == winner_bonus), (outcome, item)

    def audit_matches(self, bout_id: str, escrows: dict[str, dict[str, Any]]) -> None:
        applied = [r for r in db_state.audit(self.database, bout_id) if r["outcome"] == "applied"]
        for row in escrows.values():
            moves = [r["details"]["to"] for r in applied if r["entity_id"] == str(row["id"])]
            expected = {"planned": [], "created": ["created"]}.get(
                row["status"], ["created", row["status"]]
            )
            assert moves == expected
        bout_moves = [
            r["details"]["to"]
            for r in applied
            if r["entity_type"] == "bout" and "to" in r["details"]
        ]
        status = db_state.bout_status(self.database, bout_id)
        if status == "withdrawn":
            assert bout_moves == ["withdrawn"]
            return
        order = [s.value for s in BoutStatus if s is not BoutStatus.WITHDRAWN]
        assert bout_moves == order[1 : order.index(status) + 1]


def test_random_call_sequences_keep_every_invariant(client: TestClient, database: URL) -> None:
    LifecycleMachine.client = client
    LifecycleMachine.database = database
    run_state_machine_as_test(
        LifecycleMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=14,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
