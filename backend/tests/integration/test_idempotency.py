"""Idempotent confirms: replay, mismatch, in-flight and concurrent duplicates."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import Account, Api, future_event
from tests.support.database import libpq
from tests.support.flow import KINDS, Flow, create_evidence, payout_evidence


def draft(api: Api) -> Flow:
    promoter, _, _, bout = api.cast()
    return Flow(api, promoter, bout)


def started(api: Api) -> Flow:
    """A draft bout whose event has begun: once its escrows exist, a result may be entered."""
    promoter, a, b = api.promoter(), api.fighter(), api.fighter()
    return Flow(
        api, promoter, api.create_bout(promoter, a, b, event_datetime_utc=future_event(-1.5))
    )


class TestReplay:
    def test_identical_replay_is_byte_for_byte(self, api: Api, database: URL) -> None:
        flow = draft(api)
        evidence = create_evidence(flow.escrow("show_a"))
        first = flow.post("/escrows/confirm", evidence, key="same")
        audit_rows = len(db_state.audit(database, flow.id))
        second = flow.post("/escrows/confirm", dict(reversed(list(evidence.items()))), key="same")
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert second.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert len(db_state.audit(database, flow.id)) == audit_rows

    def test_a_failure_is_replayed_too(self, api: Api, database: URL) -> None:
        flow = draft(api)
        evidence = create_evidence(flow.escrow("show_a"), engine_result="tecUNFUNDED_PAYMENT")
        first = flow.post("/escrows/confirm", evidence, key="fail")
        audit_rows = len(db_state.audit(database, flow.id))
        second = flow.post("/escrows/confirm", evidence, key="fail")
        assert first.status_code == second.status_code == 422
        assert first.content == second.content
        assert len(db_state.audit(database, flow.id)) == audit_rows

    def test_same_key_other_body(self, api: Api) -> None:
        flow = draft(api)
        evidence = create_evidence(flow.escrow("show_a"))
        flow.post("/escrows/confirm", evidence, key="k")
        response = flow.post("/escrows/confirm", {**evidence, "offer_sequence": 99}, key="k")
        assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"

    def test_keys_are_scoped_per_operation_and_bout(self, api: Api, admin: Account) -> None:
        first, second = started(api), draft(api)
        assert first.post("/escrows/prepare").status_code == 200
        used = first.post("/escrows/confirm", create_evidence(first.escrow("show_a")), key="k")
        assert used.status_code == 200, used.text
        other_bout = second.post(
            "/escrows/confirm", create_evidence(second.escrow("show_a")), key="k"
        )
        assert other_bout.status_code == 200, other_bout.text
        assert "idempotent-replayed" not in other_bout.headers
        # The same key on the same bout, for the other operation: a request of its own.
        for kind in KINDS[1:]:
            assert first.confirm_create(kind).status_code == 200
        assert first.post("/result", {"winner": "A"}, who=admin).status_code == 200
        payout = payout_evidence(first.prepare_payouts()["show_a"])
        other_operation = first.post("/payouts/confirm", payout, key="k")
        assert other_operation.status_code == 200, other_operation.text
        assert "idempotent-replayed" not in other_operation.headers
        assert other_operation.json()["tx_hash"] == payout["tx_hash"]

    def test_validation_errors_are_not_stored(self, api: Api) -> None:
        flow = draft(api)
        evidence = create_evidence(flow.escrow("show_a"))
        assert (
            flow.post("/escrows/confirm", {**evidence, "offer_sequence": "x"}, key="k").status_code
            == 422
        )
        assert flow.post("/escrows/confirm", evidence, key="k").status_code == 200

    def test_evidence_records_the_key(self, api: Api, admin) -> None:  # type: ignore[no-untyped-def]
        flow = draft(api)
        flow.post("/escrows/confirm", create_evidence(flow.escrow("show_a")), key="traced-key")
        records = flow.get("/evidence", who=admin).json()["idempotency"]
        assert [(r["idempotency_key"], r["stored_status"], r["operation"]) for r in records] == [
            ("traced-key", 200, "escrow_confirm")
        ]
        assert len(records[0]["request_hash"]) == 64


def test_in_flight_duplicate_gets_409(api: Api, database: URL, data_dir: Path) -> None:
    flow = draft(api)
    evidence = create_evidence(flow.escrow("show_a"))
    impatient = create_asgi(test_settings(database, data_dir, RINGLEDGER_IDEMPOTENCY_WAIT="1s"))
    with psycopg.connect(libpq(database)) as holder, TestClient(impatient) as client:
        # Another request holds the key: its transaction inserted it and has not finished.
        holder.execute(
            "INSERT INTO idempotency_keys (operation, bout_id, key, request_hash)"
            " VALUES ('escrow_confirm', %s, 'busy', 'x')",
            (flow.id,),
        )
        response = client.post(
            f"/bouts/{flow.id}/escrows/confirm",
            json=evidence,
            headers={**flow.promoter.headers, "Idempotency-Key": "busy"},
        )
        holder.rollback()
    assert response.status_code == 409 and response.json()["code"] == "idempotency_in_flight"
    assert flow.post("/escrows/confirm", evidence, key="busy").status_code == 200


def test_concurrent_identical_requests_in_process(database: URL, data_dir: Path) -> None:
    """Eight identical confirms meet while the first of them is still executing: it runs once,
    and the other seven wait for its outcome and replay it."""
    # Waits long enough for a slow machine to line all eight up behind the lock.
    patient = create_asgi(test_settings(database, data_dir, RINGLEDGER_IDEMPOTENCY_WAIT="60s"))
    with TestClient(patient, raise_server_exceptions=False) as client:
        flow = draft(Api(client))
        evidence = create_evidence(flow.escrow("show_a"))
        answers: list[httpx.Response] = []

        def send() -> None:
            answers.append(flow.post("/escrows/confirm", evidence, key="race"))

        threads = [threading.Thread(target=send) for _ in range(8)]
        with psycopg.connect(libpq(database)) as holder:
            # Another request holds the bout lock: the confirm that claims the key waits for it.
            holder.execute("SELECT 1 FROM bouts WHERE id = %s FOR NO KEY UPDATE", (flow.id,))
            for thread in threads:
                thread.start()
            # All eight are in at once: one behind the bout lock, seven behind its key.
            db_state.wait_for_lock_waiters(database, blocked_by=holder.info.backend_pid)
            db_state.wait_for_lock_waiters(database, 8)
            holder.rollback()
            for thread in threads:
                thread.join()
    assert [answer.status_code for answer in answers] == [200] * 8, [a.text for a in answers]
    assert len({answer.content for answer in answers}) == 1
    replayed = sorted(str(answer.headers.get("idempotent-replayed")) for answer in answers)
    assert replayed == ["None"] + ["true"] * 7
    applied = [
        r
        for r in db_state.audit(database, flow.id)
        if r["outcome"] == "applied" and r["entity_type"] == "escrow"
    ]
    assert len(applied) == 1
