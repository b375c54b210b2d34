"""Escrow creation: prepare, signing reconcile, confirm (docs/api.md#routes)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import Account, Api
from tests.support.flow import KINDS, Flow, create_evidence, tx_hash


@pytest.fixture
def flow(api: Api) -> Flow:
    promoter, _, _, bout = api.cast()
    return Flow(api, promoter, bout)


class TestEscrowPrepare:
    def test_four_unsigned_creates_with_sign_requests(self, flow: Flow) -> None:
        response = flow.post("/escrows/prepare")
        assert response.status_code == 200
        body = response.json()
        assert body["bout_id"] == flow.id
        assert [item["escrow_kind"] for item in body["escrows"]] == list(KINDS)
        view = {item["escrow_kind"]: item for item in flow.get().json()["escrows"]}
        for item in body["escrows"]:
            tx, planned = item["unsigned_tx"], view[item["escrow_kind"]]
            assert tx["TransactionType"] == "EscrowCreate"
            assert tx["Account"] == flow.promoter.address
            assert tx["Destination"] == planned["destination_address"]
            assert tx["Amount"] == str(planned["amount_drops"])
            assert tx["FinishAfter"] == planned["finish_after_ripple"]
            assert tx.get("CancelAfter") == planned["cancel_after_ripple"]
            assert tx.get("Condition") == planned["condition_hex"]
            request = item["xaman_sign_request"]
            assert request["mode"] == "stub" and request["expires_at"].endswith("Z")
            assert request["payload_id"] in request["deep_link_url"]
            assert planned["signing"] == {
                "payload_id": request["payload_id"],
                "status": "open",
                "updated_at": planned["signing"]["updated_at"],
            }

    def test_again_issues_new_requests_only_for_planned(self, flow: Flow) -> None:
        first = flow.post("/escrows/prepare").json()
        assert flow.confirm_create("show_a").status_code == 200
        second = flow.post("/escrows/prepare").json()
        assert [item["escrow_kind"] for item in second["escrows"]] == [
            "show_b",
            "bonus_a",
            "bonus_b",
        ]
        old_ids = {item["xaman_sign_request"]["payload_id"] for item in first["escrows"]}
        assert not old_ids & {
            item["xaman_sign_request"]["payload_id"] for item in second["escrows"]
        }

    def test_only_in_draft(self, flow: Flow, database: URL) -> None:
        flow.create_all()
        response = flow.post("/escrows/prepare")
        assert response.status_code == 409 and response.json()["code"] == "state_conflict"
        last = db_state.audit(database, flow.id)[-1]
        assert last["action"] == "escrows.prepare" and last["outcome"] == "rejected"

    def test_too_late_to_sign(self, flow: Flow, database: URL, data_dir: Path) -> None:
        # The same bout seen by a service that demands a 3-hour window: FinishAfter (48 h + 2 h
        # ahead) still fits; one that demands 60 hours no longer does.
        strict = create_asgi(test_settings(database, data_dir, RINGLEDGER_MIN_SIGNING_WINDOW="60h"))
        with TestClient(strict) as client:
            response = client.post(
                f"/bouts/{flow.id}/escrows/prepare", headers=flow.promoter.headers
            )
        assert response.status_code == 422 and response.json()["code"] == "plan_invalid"

    def test_owner_only(self, flow: Flow, api: Api, admin: Account) -> None:
        assert flow.post("/escrows/prepare", who=api.promoter()).status_code == 404
        assert flow.post("/escrows/prepare", who=api.fighter()).status_code == 403
        assert flow.post("/escrows/prepare", who=admin).status_code == 403


class TestEscrowReconcile:
    def payload(self, flow: Flow, kind: str = "bonus_a") -> str:
        items = flow.post("/escrows/prepare").json()["escrows"]
        return str(
            next(i for i in items if i["escrow_kind"] == kind)["xaman_sign_request"]["payload_id"]
        )

    def reconcile(self, flow: Flow, payload_id: str, **body: Any):  # type: ignore[no-untyped-def]
        return flow.post(
            "/escrows/signing/reconcile",
            {"escrow_kind": "bonus_a", "payload_id": payload_id, **body},
        )

    def test_open_by_default(self, flow: Flow, database: URL) -> None:
        payload_id = self.payload(flow)
        before = len(db_state.audit(database, flow.id))
        body = self.reconcile(flow, payload_id).json()
        assert body["signing_status"] == "open" and body["failure_code"] is None
        assert body["escrow_status"] == "planned" and body["tx_hash"] is None
        assert len(db_state.audit(database, flow.id)) == before

    @pytest.mark.parametrize(
        ("observed", "code"), [("DECLINED", "signing_declined"), ("expired", "signing_expired")]
    )
    def test_decline_and_expiry_are_recorded_not_transitions(
        self, flow: Flow, database: URL, observed: str, code: str
    ) -> None:
        payload_id = self.payload(flow)
        response = self.reconcile(flow, payload_id, observed_status=observed)
        assert response.status_code == 200
        assert response.json()["failure_code"] == code
        escrow = flow.escrow("bonus_a")
        assert escrow["status"] == "planned" and escrow["failure_code"] == code
        assert escrow["signing"]["status"] == observed.lower()
        assert db_state.bout_status(database, flow.id) == "draft"
        rows = [
            row for row in db_state.audit(database, flow.id) if row["action"].endswith(".reconcile")
        ]
        assert len(rows) == 1 and rows[0]["failure_code"] == code
        self.reconcile(flow, payload_id, observed_status=observed)  # the same outcome again
        assert (
            len(
                [r for r in db_state.audit(database, flow.id) if r["action"].endswith(".reconcile")]
            )
            == 1
        )

    def test_signed_then_confirm_clears_the_failure(self, flow: Flow) -> None:
        payload_id = self.payload(flow)
        self.reconcile(flow, payload_id, observed_status="declined")
        fresh = self.payload(flow)
        signed = self.reconcile(
            flow, fresh, observed_status="signed", observed_tx_hash="ab" * 32
        ).json()
        assert signed["signing_status"] == "signed" and signed["tx_hash"] == "AB" * 32
        assert flow.escrow("bonus_a")["failure_code"] is None

    def test_superseded_attempt_stays_superseded_and_does_not_mark_the_escrow(
        self, flow: Flow, database: URL
    ) -> None:
        old = self.payload(flow)
        newer = self.payload(flow)
        # The newer prepare withdrew the older request and recorded it so, with an audit row.
        [row] = [
            row
            for row in db_state.audit(database, flow.id)
            if row["outcome"] == "superseded" and row["details"]["payload_id"] == old
        ]
        assert row["details"]["escrow_kind"] == "bonus_a"
        for reported in ("declined", "signed", "open"):
            answer = self.reconcile(flow, old, observed_status=reported).json()
            assert answer["signing_status"] == "superseded"
        assert flow.escrow("bonus_a")["failure_code"] is None
        assert flow.escrow("bonus_a")["signing"]["payload_id"] == newer

    def test_unknown_payload(self, flow: Flow) -> None:
        self.payload(flow)
        response = self.reconcile(flow, str(uuid.uuid4()))
        assert response.status_code == 404 and response.json()["code"] == "payload_not_found"

    def test_payload_of_another_escrow(self, flow: Flow) -> None:
        other = self.payload(flow, kind="show_a")
        assert self.reconcile(flow, other).status_code == 404

    def test_bad_observed_status(self, flow: Flow) -> None:
        response = self.reconcile(flow, self.payload(flow), observed_status="maybe")
        assert response.status_code == 400 and response.json()["code"] == "observed_status_invalid"


class TestEscrowConfirm:
    def test_each_escrow_then_the_bout(self, flow: Flow, database: URL) -> None:
        flow.post("/escrows/prepare")
        for number, kind in enumerate(KINDS, start=1):
            evidence = create_evidence(flow.escrow(kind))
            response = flow.post("/escrows/confirm", evidence, key=f"key-{kind}")
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["escrow_status"] == "created"
            assert body["offer_sequence"] == evidence["offer_sequence"]
            assert body["tx_hash"] == evidence["tx_hash"]
            assert body["bout_status"] == ("escrows_created" if number == 4 else "draft")
        stored = db_state.escrows(database, flow.id)
        assert all(
            row["status"] == "created" and row["failure_code"] is None for row in stored.values()
        )
        moves = [row for row in db_state.audit(database, flow.id) if row["outcome"] == "applied"]
        assert [(row["entity_type"], row["details"].get("to")) for row in moves[-5:]] == [
            ("escrow", "created")
        ] * 4 + [("bout", "escrows_created")]

    @pytest.mark.parametrize(
        ("overrides", "code"),
        [
            ({"engine_result": "user_declined"}, "signing_declined"),
            ({"validated": False}, "confirmation_timeout"),
            ({"engine_result": "tecUNFUNDED_PAYMENT"}, "ledger_tec_tem"),
            ({"engine_result": "temBAD_AMOUNT"}, "ledger_tec_tem"),
            ({"engine_result": "tefPAST_SEQ"}, "invalid_confirmation"),
            ({"amount_drops": 1}, "invalid_confirmation"),
            ({"owner_address": "rSomebodyElse"}, "invalid_confirmation"),
            ({"destination_address": None}, "invalid_confirmation"),
            ({"finish_after_ripple": 5}, "invalid_confirmation"),
            ({"cancel_after_ripple": None}, "invalid_confirmation"),
            ({"condition_hex": "A0258020" + "00" * 32 + "810120"}, "invalid_confirmation"),
            ({"offer_sequence": None}, "invalid_confirmation"),
        ],
    )
    def test_failures_change_nothing_but_are_recorded(
        self, flow: Flow, database: URL, overrides: dict[str, Any], code: str
    ) -> None:
        evidence = create_evidence(flow.escrow("bonus_a"), **overrides)
        response = flow.post("/escrows/confirm", evidence, key="k1")
        assert response.status_code == 422
        assert response.json()["code"] == code and response.json()["failure_code"] == code
        stored = db_state.escrows(database, flow.id)["bonus_a"]
        assert stored["status"] == "planned" and stored["failure_code"] == code
        assert stored["offer_sequence"] is None and stored["create_tx_hash"] is None
        assert db_state.bout_status(database, flow.id) == "draft"
        last = db_state.audit(database, flow.id)[-1]
        assert (last["outcome"], last["failure_code"]) == ("rejected", code)
        assert flow.confirm_create("bonus_a").status_code == 200
        assert db_state.escrows(database, flow.id)["bonus_a"]["failure_code"] is None

    def test_confirming_twice_is_a_state_conflict(self, flow: Flow, database: URL) -> None:
        assert flow.confirm_create("show_a").status_code == 200
        response = flow.confirm_create("show_a")
        assert response.status_code == 409 and response.json()["code"] == "state_conflict"
        assert response.json()["escrow_status"] == "created"
        last = db_state.audit(database, flow.id)[-1]
        assert last["outcome"] == "rejected" and last["failure_code"] == "state_conflict"

    def test_one_transaction_cannot_create_two_escrows(self, flow: Flow) -> None:
        shared = tx_hash()
        assert flow.confirm_create("show_a", tx_hash=shared).status_code == 200
        response = flow.confirm_create("show_b", tx_hash=shared.lower())
        assert response.status_code == 422 and response.json()["code"] == "invalid_confirmation"

    @pytest.mark.parametrize(
        "overrides",
        [
            {"offer_sequence": 2**32},
            {"offer_sequence": 0},
            {"offer_sequence": "5"},
            {"amount_drops": 1.5},
            {"validated": "true"},
            {"tx_hash": "zz" * 32},
            {"tx_hash": "ab" * 31},
            {"finish_after_ripple": -1},
            {"escrow_kind": "show_c"},
            {"surprise": 1},
        ],
    )
    def test_malformed_evidence(self, flow: Flow, overrides: dict[str, Any]) -> None:
        evidence = create_evidence(flow.escrow("show_a"), **overrides)
        response = flow.post("/escrows/confirm", evidence, key="k")
        assert response.status_code == 422 and response.json()["code"] == "validation_error"

    def test_large_uint32_values_are_fine(self, flow: Flow) -> None:
        response = flow.confirm_create("show_a", offer_sequence=2**32 - 1)
        assert response.status_code == 200 and response.json()["offer_sequence"] == 2**32 - 1

    def test_idempotency_key_rules(self, flow: Flow) -> None:
        evidence = create_evidence(flow.escrow("show_a"))
        missing = flow.post("/escrows/confirm", evidence)
        assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_missing"
        too_long = flow.post("/escrows/confirm", evidence, key="k" * 129)
        assert too_long.status_code == 400 and too_long.json()["code"] == "idempotency_key_invalid"

    def test_access(self, flow: Flow, api: Api, admin: Account, client: TestClient) -> None:
        evidence = create_evidence(flow.escrow("show_a"))
        assert client.post(f"/bouts/{flow.id}/escrows/confirm", json=evidence).status_code == 401
        assert flow.post("/escrows/confirm", evidence, key="k", who=admin).status_code == 403
        assert (
            flow.post("/escrows/confirm", evidence, key="k", who=api.fighter()).status_code == 403
        )
        assert (
            flow.post("/escrows/confirm", evidence, key="k", who=api.promoter()).status_code == 404
        )
