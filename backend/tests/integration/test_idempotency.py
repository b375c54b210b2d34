"""Idempotent confirms: replay, mismatch, in-flight and concurrent duplicates."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import Api
from tests.support.database import libpq
from tests.support.flow import Flow, create_evidence


def draft(api: Api) -> Flow:
    promoter, _, _, bout = api.cast()
    return Flow(api, promoter, bout)


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

    def test_keys_are_scoped_per_operation_and_bout(self, api: Api) -> None:
        first, second = draft(api), draft(api)
        assert (
            first.post(
                "/escrows/confirm", create_evidence(first.escrow("show_a")), key="k"
            ).status_code
            == 200
        )
        other_bout = second.post(
            "/escrows/confirm", create_evidence(second.escrow("show_a")), key="k"
        )
        assert other_bout.status_code == 200

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


def test_concurrent_identical_requests_in_process(
    api: Api, client: TestClient, database: URL
) -> None:
    flow = draft(api)
    evidence = create_evidence(flow.escrow("show_a"))
    answers: list[tuple[int, bytes]] = []

    def send() -> None:
        response = flow.post("/escrows/confirm", evidence, key="race")
        answers.append((response.status_code, response.content))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in answers} == {200}
    assert len({content for _, content in answers}) == 1
    applied = [
        r
        for r in db_state.audit(database, flow.id)
        if r["outcome"] == "applied" and r["entity_type"] == "escrow"
    ]
    assert len(applied) == 1
    assert str(uuid.UUID(flow.id)) == flow.id
