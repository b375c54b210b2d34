"""Result entry and payouts, through to closed and the refund after close."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import Account, Api, future_event
from tests.support.flow import Flow, payout_evidence


def started_bout(api: Api) -> Flow:
    """A bout whose event has begun (result may be entered) and whose escrows can still be made."""
    promoter, a, b = api.promoter(), api.fighter(name="Ada"), api.fighter(name="Bea")
    bout = api.create_bout(promoter, a, b, event_datetime_utc=future_event(hours=-1.5))
    return Flow(api, promoter, bout)


@pytest.fixture
def created(api: Api) -> Flow:
    flow = started_bout(api)
    flow.create_all()
    return flow


class TestResult:
    def test_admin_enters_the_winner_once(
        self, created: Flow, admin: Account, database: URL
    ) -> None:
        response = created.post("/result", {"winner": "B"}, who=admin)
        assert response.status_code == 200
        assert response.json() == {
            "bout_id": created.id,
            "bout_status": "result_entered",
            "winner": "B",
            "outcome": "win_b",
        }
        again = created.post("/result", {"winner": "A"}, who=admin)
        assert again.status_code == 409 and again.json()["code"] == "state_conflict"
        assert created.get().json()["winner"] == "B"
        last = db_state.audit(database, created.id)[-1]
        assert last["action"] == "bout.enter_result" and last["outcome"] == "rejected"

    def test_not_before_all_escrows_exist(self, api: Api, admin: Account) -> None:
        flow = started_bout(api)
        flow.confirm_create("show_a")
        response = flow.post("/result", {"winner": "A"}, who=admin)
        assert response.status_code == 409

    def test_not_before_the_event(self, api: Api, admin: Account) -> None:
        promoter, a, b, bout = api.cast()
        flow = Flow(api, promoter, bout)
        flow.create_all()
        response = flow.post("/result", {"winner": "A"}, who=admin)
        assert response.status_code == 409 and "not started" in response.json()["detail"]

    @pytest.mark.parametrize("winner", ["C", "a", None, 1])
    def test_winner_is_a_or_b(self, created: Flow, admin: Account, winner: Any) -> None:
        assert created.post("/result", {"winner": winner}, who=admin).status_code == 422

    def test_admins_only(self, created: Flow, api: Api) -> None:
        assert created.post("/result", {"winner": "A"}).status_code == 403
        assert created.post("/result", {"winner": "A"}, who=api.fighter()).status_code == 403


class TestPayouts:
    @pytest.mark.parametrize(
        ("winner", "loser_bonus", "winner_bonus"),
        [("A", "bonus_b", "bonus_a"), ("B", "bonus_a", "bonus_b")],
    )
    def test_whole_lifecycle(
        self,
        created: Flow,
        admin: Account,
        database: URL,
        winner: str,
        loser_bonus: str,
        winner_bonus: str,
    ) -> None:
        assert created.post("/result", {"winner": winner}, who=admin).status_code == 200
        items = created.prepare_payouts()
        assert set(items) == {"show_a", "show_b", "bonus_a", "bonus_b"}
        assert items[loser_bonus]["action"] == "cancel"
        assert items[loser_bonus]["unsigned_tx"]["TransactionType"] == "EscrowCancel"
        view = created.get().json()
        assert items[loser_bonus]["not_before_utc"] == view["cancel_after_utc"]
        assert items["show_a"]["not_before_utc"] == view["finish_after_utc"]
        bonus_tx = items[winner_bonus]["unsigned_tx"]
        assert bonus_tx["Fee"] == "350" and bonus_tx["Fulfillment"].startswith("A0228020")
        assert bonus_tx["Condition"] == created.escrow(winner_bonus)["condition_hex"]
        for kind in ("show_a", "show_b"):
            assert (
                "Fulfillment" not in items[kind]["unsigned_tx"]
                and "Fee" not in items[kind]["unsigned_tx"]
            )
        statuses = []
        for kind in ("show_a", "show_b", winner_bonus):
            response = created.confirm_payout(items[kind])
            assert response.status_code == 200, response.text
            statuses.append(response.json()["bout_status"])
        assert statuses == ["payouts_in_progress", "payouts_in_progress", "closed"]
        view = created.get().json()
        assert view["status"] == "closed" and view["refund_pending"] is True
        again = created.prepare_payouts()
        assert list(again) == [loser_bonus]
        response = created.confirm_payout(again[loser_bonus])
        assert response.status_code == 200
        assert (
            response.json()["escrow_status"] == "cancelled"
            and response.json()["bout_status"] == "closed"
        )
        view = created.get().json()
        assert view["refund_pending"] is False
        assert {e["escrow_kind"]: e["status"] for e in view["escrows"]} == {
            "show_a": "finished",
            "show_b": "finished",
            winner_bonus: "finished",
            loser_bonus: "cancelled",
        }
        closed = created.post("/payouts/prepare")
        assert closed.status_code == 409

    def test_refund_first_then_close(self, created: Flow, admin: Account) -> None:
        created.post("/result", {"winner": "A"}, who=admin)
        items = created.prepare_payouts()
        response = created.confirm_payout(items["bonus_b"])
        assert response.json()["bout_status"] == "payouts_in_progress"
        for kind in ("show_a", "show_b", "bonus_a"):
            last = created.confirm_payout(items[kind])
        assert last.json()["bout_status"] == "closed"
        assert created.get().json()["refund_pending"] is False

    def test_prepare_before_result(self, created: Flow) -> None:
        response = created.post("/payouts/prepare")
        assert response.status_code == 409 and response.json()["code"] == "state_conflict"

    @pytest.mark.parametrize(
        ("kind", "overrides", "code"),
        [
            ("show_a", {"engine_result": "declined"}, "signing_declined"),
            ("show_a", {"validated": False}, "confirmation_timeout"),
            ("show_a", {"engine_result": "tecNO_PERMISSION"}, "ledger_tec_tem"),
            ("show_a", {"transaction_type": "EscrowCancel"}, "invalid_confirmation"),
            ("show_a", {"owner_address": "rSomebodyElse"}, "invalid_confirmation"),
            ("show_a", {"offer_sequence": 4_294_967_295}, "invalid_confirmation"),
            ("show_a", {"fulfillment_hex": "A0228020" + "00" * 32}, "invalid_confirmation"),
            ("bonus_a", {"fulfillment_hex": None}, "invalid_confirmation"),
            ("bonus_a", {"fulfillment_hex": "A0228020" + "00" * 32}, "invalid_confirmation"),
            ("bonus_b", {"transaction_type": "EscrowFinish"}, "invalid_confirmation"),
            ("bonus_b", {"fulfillment_hex": "A0228020" + "00" * 32}, "invalid_confirmation"),
        ],
    )
    def test_failures(
        self,
        created: Flow,
        admin: Account,
        database: URL,
        kind: str,
        overrides: dict[str, Any],
        code: str,
    ) -> None:
        created.post("/result", {"winner": "A"}, who=admin)
        items = created.prepare_payouts()
        response = created.confirm_payout(items[kind], **overrides)
        assert response.status_code == 422 and response.json()["failure_code"] == code
        stored = db_state.escrows(database, created.id)[kind]
        assert stored["status"] == "created" and stored["failure_code"] == code
        assert db_state.bout_status(database, created.id) == "result_entered"

    @pytest.mark.parametrize(
        ("kind", "offset"),
        [("show_a", 0), ("bonus_a", 0), ("bonus_b", 0), ("bonus_a", "after_cancel")],
    )
    def test_ledger_timing(self, created: Flow, admin: Account, kind: str, offset: Any) -> None:
        created.post("/result", {"winner": "A"}, who=admin)
        items = created.prepare_payouts()
        escrow = created.escrow(kind)
        guard = (
            escrow["cancel_after_ripple"] if kind == "bonus_b" else escrow["finish_after_ripple"]
        )
        close_time = escrow["cancel_after_ripple"] + 1 if offset == "after_cancel" else guard
        response = created.confirm_payout(items[kind], close_time_ripple=close_time)
        assert (
            response.status_code == 422
            and response.json()["failure_code"] == "invalid_confirmation"
        )

    def test_stub_ledger_clock_is_not_the_servers(self, created: Flow, admin: Account) -> None:
        created.post("/result", {"winner": "A"}, who=admin)
        items = created.prepare_payouts()
        # The loser's refund is 7 days away on the server's clock; the stub ledger says it passed.
        assert created.confirm_payout(items["bonus_b"]).status_code == 200

    def test_no_double_payout(self, created: Flow, admin: Account) -> None:
        created.post("/result", {"winner": "A"}, who=admin)
        items = created.prepare_payouts()
        assert created.confirm_payout(items["show_a"]).status_code == 200
        again = created.confirm_payout(items["show_a"])
        assert again.status_code == 409 and again.json()["escrow_status"] == "finished"


def test_a_wrong_preimage_key_is_named_not_a_crash(
    created: Flow, admin: Account, database: URL, data_dir: Path
) -> None:
    created.post("/result", {"winner": "A"}, who=admin)
    other_key = Fernet.generate_key().decode()
    app = create_asgi(test_settings(database, data_dir, RINGLEDGER_PREIMAGE_KEY=other_key))
    with TestClient(app) as client:
        response = client.post(
            f"/bouts/{created.id}/payouts/prepare", headers=created.promoter.headers
        )
    assert response.status_code == 500 and response.json()["code"] == "preimage_key_mismatch"
    assert "RINGLEDGER_PREIMAGE_KEY" in response.json()["detail"]


class TestPreimageCheckedBeforeItIsRevealed:
    # The condition of 32 zero bytes: well-formed, but not what the stored preimage produces.
    FOREIGN = "A025802066687AADF862BD776C8FC18B8E9F8E20089714856EE233B3902A591D0D5F2925810120"

    def test_a_preimage_that_does_not_match_is_never_revealed(
        self, created: Flow, admin: Account, database: URL
    ) -> None:
        created.post("/result", {"winner": "A"}, who=admin)
        items = created.prepare_payouts()
        bonus = db_state.escrows(database, created.id)["bonus_a"]
        db_state.execute(
            database,
            "UPDATE escrows SET condition_hex = %s WHERE id = %s",
            self.FOREIGN,
            bonus["id"],
        )
        prepared = created.post("/payouts/prepare")
        assert prepared.status_code == 500, prepared.text
        assert prepared.json()["code"] == "preimage_condition_mismatch"
        assert "A0228020" not in prepared.text
        confirm = created.post(
            "/payouts/confirm", payout_evidence(items["bonus_a"]), key="checked-key"
        )
        assert (
            confirm.status_code == 500 and confirm.json()["code"] == "preimage_condition_mismatch"
        )
        refusals = [
            row
            for row in db_state.audit(database, created.id)
            if row["failure_code"] == "preimage_condition_mismatch"
        ]
        assert [row["action"] for row in refusals] == ["payouts.prepare", "escrow.confirm_payout"]
        assert all(row["entity_id"] == str(bonus["id"]) for row in refusals)
        # The fault is the server's: the key was not spent, and once mended the request works.
        db_state.execute(
            database,
            "UPDATE escrows SET condition_hex = %s WHERE id = %s",
            bonus["condition_hex"],
            bonus["id"],
        )
        again = created.post(
            "/payouts/confirm", payout_evidence(items["bonus_a"]), key="checked-key"
        )
        assert again.status_code == 200, again.text
        assert "idempotent-replayed" not in again.headers
