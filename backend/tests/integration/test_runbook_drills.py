"""One drill per row of the runbook's incident matrix: raise the signal, check what the runbook
promises (state unchanged, the audit row, the evidence line) and walk its recovery path."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from ringledger.cli.evidence import checklist
from tests.support import db_state
from tests.support.api import Account, Api, future_event
from tests.support.flow import KINDS, Flow, create_evidence
from tests.support.operator import xaman_unreachable


@pytest.fixture
def xaman_down(database: URL, data_dir: Path) -> Iterator[Api]:
    with xaman_unreachable(database, data_dir) as api:
        yield api


@pytest.fixture
def draft(api: Api) -> Flow:
    promoter, _, _, bout = api.cast()
    return Flow(api, promoter, bout)


@pytest.fixture
def prepared(draft: Flow) -> Flow:
    assert draft.post("/escrows/prepare").status_code == 200
    return draft


@pytest.fixture
def fought(api: Api, admin: Account) -> Flow:
    """A bout with all four escrows created and its result entered."""
    promoter, a, b = api.promoter(), api.fighter(name="Ada"), api.fighter(name="Bea")
    flow = Flow(
        api, promoter, api.create_bout(promoter, a, b, event_datetime_utc=future_event(-1.5))
    )
    flow.create_all()
    assert flow.post("/result", {"winner": "A"}, who=admin).status_code == 200
    return flow


def last_audit(database: URL, flow: Flow) -> dict[str, Any]:
    return db_state.audit(database, flow.id)[-1]


def attempts(database: URL, flow: Flow) -> list[dict[str, Any]]:
    return db_state.rows(
        database, "SELECT * FROM signing_attempts WHERE bout_id = %s ORDER BY created_at", flow.id
    )


def incidents(flow: Flow, admin: Account) -> list[dict[str, Any]]:
    """The checklist lines `ringledger evidence` draws for this bout."""
    document = flow.get("/evidence", who=admin).json()
    return list(checklist(document, None)["incidents"])


def statuses(database: URL, flow: Flow) -> tuple[str, dict[str, str]]:
    escrows = db_state.escrows(database, flow.id)
    return db_state.bout_status(database, flow.id), {k: e["status"] for k, e in escrows.items()}


class TestXamanDegradedOnPrepare:
    """Matrix row: 502 on */prepare — signing integration degradation."""

    def test_escrow_prepare(
        self, database: URL, draft: Flow, xaman_down: Api, admin: Account
    ) -> None:
        before = statuses(database, draft)
        response = xaman_down.client.post(
            f"/bouts/{draft.id}/escrows/prepare", headers=draft.promoter.headers
        )
        assert (response.status_code, response.json()["code"]) == (502, "xaman_unavailable")
        assert attempts(database, draft) == []
        row = last_audit(database, draft)
        assert (row["action"], row["outcome"], row["actor_role"]) == (
            "escrows.prepare",
            "xaman_unavailable",
            "promoter",
        )
        assert row["details"]["mode"] == "api"
        assert statuses(database, draft) == before
        [line] = incidents(draft, admin)
        assert (line["request"], line["status_code"]) == (
            f"POST /bouts/{draft.id}/escrows/prepare",
            502,
        )
        # Recovery: retry once the signing service answers again.
        assert draft.post("/escrows/prepare").status_code == 200

    def test_payout_prepare(self, database: URL, fought: Flow, xaman_down: Api) -> None:
        before, issued = statuses(database, fought), len(attempts(database, fought))
        response = xaman_down.client.post(
            f"/bouts/{fought.id}/payouts/prepare", headers=fought.promoter.headers
        )
        assert (response.status_code, response.json()["code"]) == (502, "xaman_unavailable")
        assert len(attempts(database, fought)) == issued
        row = last_audit(database, fought)
        assert (row["action"], row["outcome"]) == ("payouts.prepare", "xaman_unavailable")
        assert statuses(database, fought) == before
        assert fought.post("/payouts/prepare").status_code == 200


class TestXamanDegradedOnReconcile:
    """Matrix row: 502 on */signing/reconcile — signing reconciliation degradation."""

    def test_reconcile(self, database: URL, prepared: Flow, xaman_down: Api) -> None:
        attempt = attempts(database, prepared)[0]
        kind = db_state.rows(
            database, "SELECT kind FROM escrows WHERE id = %s", attempt["escrow_id"]
        )[0]["kind"]
        body = {"escrow_kind": kind, "payload_id": attempt["payload_id"]}
        before = statuses(database, prepared)
        response = xaman_down.client.post(
            f"/bouts/{prepared.id}/escrows/signing/reconcile",
            json=body,
            headers=prepared.promoter.headers,
        )
        assert (response.status_code, response.json()["code"]) == (502, "xaman_unavailable")
        row = last_audit(database, prepared)
        assert (row["action"], row["outcome"], row["entity_id"]) == (
            "signing.escrow_create.reconcile",
            "xaman_unavailable",
            str(attempt["id"]),
        )
        assert row["details"]["payload_id"] == attempt["payload_id"]
        assert {item["status"] for item in attempts(database, prepared)} == {"open"}
        assert statuses(database, prepared) == before
        # Recovery: verify the payload id, then retry the reconcile.
        retried = prepared.post("/escrows/signing/reconcile", body)
        assert (retried.status_code, retried.json()["signing_status"]) == (200, "open")


def declined(escrow: dict[str, Any]) -> dict[str, Any]:
    return {"engine_result": "declined"}


def not_validated(escrow: dict[str, Any]) -> dict[str, Any]:
    return {"validated": False}


def tec(escrow: dict[str, Any]) -> dict[str, Any]:
    return {"engine_result": "tecUNFUNDED"}


def wrong_amount(escrow: dict[str, Any]) -> dict[str, Any]:
    return {"amount_drops": escrow["amount_drops"] + 1}


CONFIRM_FAILURES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "signing_declined": declined,
    "confirmation_timeout": not_validated,
    "ledger_tec_tem": tec,
    "invalid_confirmation": wrong_amount,
}


class TestDeterministicConfirmFailure:
    """Matrix row: 422 with a failure code on */confirm — state unchanged, code recorded."""

    @pytest.mark.parametrize("code", sorted(CONFIRM_FAILURES))
    def test_escrow_confirm(self, database: URL, prepared: Flow, admin: Account, code: str) -> None:
        escrow = prepared.escrow("bonus_a")
        body = create_evidence(escrow, **CONFIRM_FAILURES[code](escrow))
        response = prepared.post("/escrows/confirm", body, key=str(uuid.uuid4()))
        assert response.status_code == 422
        answer = response.json()
        assert (answer["code"], answer["failure_code"]) == (code, code)
        stored = db_state.escrows(database, prepared.id)["bonus_a"]
        assert (stored["status"], stored["failure_code"]) == ("planned", code)
        assert stored["failure_reason"] == answer["detail"]
        assert db_state.bout_status(database, prepared.id) == "draft"
        row = last_audit(database, prepared)
        assert (row["action"], row["outcome"], row["failure_code"]) == (
            "escrow.confirm_create",
            "rejected",
            code,
        )
        assert (row["entity_id"], row["details"]["reason"]) == (
            escrow["escrow_id"],
            answer["detail"],
        )
        [line] = incidents(prepared, admin)
        assert (line["status_code"], line["failure_code"], line["message"]) == (
            422,
            code,
            answer["detail"],
        )
        # Recovery: a new confirm with validated, matching evidence under a new key.
        assert prepared.confirm_create("bonus_a").status_code == 200
        assert db_state.escrows(database, prepared.id)["bonus_a"]["failure_code"] is None

    def test_signing_expired_is_recorded_by_reconcile(self, database: URL, prepared: Flow) -> None:
        payload_id = prepared.escrow("show_a")["signing"]["payload_id"]
        response = prepared.post(
            "/escrows/signing/reconcile",
            {"escrow_kind": "show_a", "payload_id": payload_id, "observed_status": "expired"},
        )
        assert response.status_code == 200
        assert (response.json()["signing_status"], response.json()["failure_code"]) == (
            "expired",
            "signing_expired",
        )
        stored = db_state.escrows(database, prepared.id)["show_a"]
        assert (stored["status"], stored["failure_code"]) == ("planned", "signing_expired")
        row = last_audit(database, prepared)
        assert (row["outcome"], row["failure_code"]) == ("expired", "signing_expired")
        # Recovery: a new signing attempt (prepare again), reconciled once signed.
        again = prepared.post("/escrows/prepare").json()
        fresh = next(item for item in again["escrows"] if item["escrow_kind"] == "show_a")
        signed = prepared.post(
            "/escrows/signing/reconcile",
            {
                "escrow_kind": "show_a",
                "payload_id": fresh["xaman_sign_request"]["payload_id"],
                "observed_status": "signed",
                "observed_tx_hash": "AB" * 32,
            },
        )
        assert signed.json()["signing_status"] == "signed"
        assert db_state.escrows(database, prepared.id)["show_a"]["failure_code"] is None


class TestIdempotencyMismatch:
    """Matrix row: 409 idempotency collision — same-body replay only."""

    def test_same_key_other_body_is_refused_same_body_replays(
        self, database: URL, prepared: Flow, admin: Account
    ) -> None:
        escrow = prepared.escrow("show_a")
        first = create_evidence(escrow)
        done = prepared.post("/escrows/confirm", first, key="drill-key-1")
        assert done.status_code == 200
        mutated = {**first, "tx_hash": "CD" * 32}
        refused = prepared.post("/escrows/confirm", mutated, key="drill-key-1")
        assert (refused.status_code, refused.json()["code"]) == (409, "idempotency_key_reused")
        assert (
            db_state.escrows(database, prepared.id)["show_a"]["create_tx_hash"] == first["tx_hash"]
        )
        replay = prepared.post("/escrows/confirm", first, key="drill-key-1")
        assert (replay.status_code, replay.content) == (200, done.content)
        assert replay.headers["Idempotent-Replayed"] == "true"
        [record] = prepared.get("/evidence", who=admin).json()["idempotency"]
        assert (record["idempotency_key"], record["stored_status"]) == ("drill-key-1", 200)
        # A new intent gets a new key; the runbook's missing key is a 400.
        assert prepared.post("/escrows/confirm", create_evidence(escrow)).status_code == 400

    def test_a_stored_failure_replays_too(self, database: URL, prepared: Flow) -> None:
        body = create_evidence(prepared.escrow("show_b"), validated=False)
        failed = prepared.post("/escrows/confirm", body, key="drill-key-2")
        audited = db_state.audit(database, prepared.id)
        replay = prepared.post("/escrows/confirm", body, key="drill-key-2")
        assert (failed.status_code, replay.status_code) == (422, 422)
        assert replay.content == failed.content
        # Answered from the store, not refused a second time: the same 422 would look alike.
        assert replay.headers.get("Idempotent-Replayed") == "true"
        assert db_state.audit(database, prepared.id) == audited


class TestStateConflict:
    """Matrix row: unexpected state conflict — lifecycle guard, audited, nothing moves."""

    def test_result_before_the_escrows_exist(
        self, database: URL, prepared: Flow, admin: Account
    ) -> None:
        response = prepared.post("/result", {"winner": "A"}, who=admin)
        assert (response.status_code, response.json()["code"]) == (409, "state_conflict")
        row = last_audit(database, prepared)
        assert (row["action"], row["outcome"], row["failure_code"], row["actor_role"]) == (
            "bout.enter_result",
            "rejected",
            "state_conflict",
            "admin",
        )
        assert db_state.bout_status(database, prepared.id) == "draft"
        [line] = incidents(prepared, admin)
        assert (line["request"], line["status_code"]) == (f"POST /bouts/{prepared.id}/result", 409)

    def test_confirming_an_escrow_twice(self, database: URL, prepared: Flow) -> None:
        assert prepared.confirm_create("show_a").status_code == 200
        before = statuses(database, prepared)
        again = prepared.confirm_create("show_a")
        assert (again.status_code, again.json()["code"]) == (409, "state_conflict")
        row = last_audit(database, prepared)
        assert (row["outcome"], row["failure_code"]) == ("rejected", "state_conflict")
        assert row["details"]["escrow_status"] == "created"
        assert statuses(database, prepared) == before

    def test_payouts_before_the_result(self, database: URL, prepared: Flow) -> None:
        for kind in KINDS:
            assert prepared.confirm_create(kind).status_code == 200
        response = prepared.post("/payouts/prepare")
        assert (response.status_code, response.json()["code"]) == (409, "state_conflict")
        row = last_audit(database, prepared)
        assert (row["action"], row["failure_code"]) == ("payouts.prepare", "state_conflict")
        assert db_state.bout_status(database, prepared.id) == "escrows_created"
