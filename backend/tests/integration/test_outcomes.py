"""Results without a winner: a draw or a no contest pays both shows, returns both bonuses after
CancelAfter, never reveals a preimage, and closes once both shows are paid."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import URL

from tests.support import db_state
from tests.support.api import Account, Api, future_event
from tests.support.flow import Flow

NO_WINNER = ("draw", "no_contest")


@pytest.fixture
def fighters(api: Api) -> tuple[Account, Account]:
    return api.fighter(name="Ada"), api.fighter(name="Bea")


@pytest.fixture
def created(api: Api, fighters: tuple[Account, Account]) -> Flow:
    """A bout past its event start with all four escrows created."""
    promoter = api.promoter()
    bout = api.create_bout(promoter, *fighters, event_datetime_utc=future_event(-1.5))
    flow = Flow(api, promoter, bout)
    flow.create_all()
    return flow


class TestResultBody:
    @pytest.mark.parametrize("outcome", NO_WINNER)
    def test_an_outcome_without_a_winner(
        self, created: Flow, admin: Account, database: URL, outcome: str
    ) -> None:
        response = created.post("/result", {"outcome": outcome}, who=admin)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "bout_id": created.id,
            "bout_status": "result_entered",
            "winner": None,
            "outcome": outcome,
        }
        view = created.get().json()
        assert (view["winner"], view["outcome"]) == (None, outcome)
        entry = db_state.audit(database, created.id)[-1]
        assert entry["action"] == "bout.enter_result" and entry["outcome"] == "applied"
        assert entry["details"]["outcome"] == outcome and entry["details"]["winner"] is None

    @pytest.mark.parametrize(("winner", "outcome"), [("A", "win_a"), ("B", "win_b")])
    def test_a_winner_reports_its_outcome(
        self, created: Flow, admin: Account, winner: str, outcome: str
    ) -> None:
        response = created.post("/result", {"winner": winner}, who=admin)
        assert response.json()["outcome"] == outcome
        assert created.get().json()["outcome"] == outcome

    @pytest.mark.parametrize(
        "body",
        [
            {"winner": "A", "outcome": "draw"},
            {},
            {"outcome": "forfeit"},
            {"outcome": "win_a"},
            {"outcome": None},
            {"winner": None, "outcome": "draw"},
            {"outcome": "DRAW"},
        ],
    )
    def test_exactly_one_known_field(
        self, created: Flow, admin: Account, database: URL, body: dict[str, Any]
    ) -> None:
        response = created.post("/result", body, who=admin)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "validation_error"
        assert db_state.bout_status(database, created.id) == "escrows_created"

    def test_once_entered_it_is_immutable(
        self, created: Flow, admin: Account, database: URL
    ) -> None:
        assert created.post("/result", {"outcome": "draw"}, who=admin).status_code == 200
        for body in ({"outcome": "no_contest"}, {"winner": "A"}, {"outcome": "draw"}):
            again = created.post("/result", body, who=admin)
            assert again.status_code == 409 and again.json()["code"] == "state_conflict"
        assert created.get().json()["outcome"] == "draw"
        rejected = [r for r in db_state.audit(database, created.id) if r["outcome"] == "rejected"]
        assert [r["details"]["requested_outcome"] for r in rejected] == [
            "no_contest",
            "win_a",
            "draw",
        ]


class TestPayoutsWithoutAWinner:
    @pytest.mark.parametrize("outcome", NO_WINNER)
    def test_through_closed_and_both_refunds_after_close(
        self, created: Flow, admin: Account, database: URL, outcome: str
    ) -> None:
        assert created.post("/result", {"outcome": outcome}, who=admin).status_code == 200
        items = created.prepare_payouts()
        assert {kind: item["action"] for kind, item in items.items()} == {
            "show_a": "finish",
            "show_b": "finish",
            "bonus_a": "cancel",
            "bonus_b": "cancel",
        }
        view = created.get().json()
        for kind in ("bonus_a", "bonus_b"):
            assert items[kind]["unsigned_tx"]["TransactionType"] == "EscrowCancel"
            assert items[kind]["not_before_utc"] == view["cancel_after_utc"]
        for item in items.values():
            assert "Fulfillment" not in item["unsigned_tx"] and "Fee" not in item["unsigned_tx"]
        first = created.confirm_payout(items["show_a"])
        assert first.json()["bout_status"] == "payouts_in_progress"
        second = created.confirm_payout(items["show_b"])
        assert second.json()["bout_status"] == "closed"
        view = created.get().json()
        assert view["status"] == "closed" and view["refund_pending"] is True
        again = created.prepare_payouts()
        assert sorted(again) == ["bonus_a", "bonus_b"]
        refund = created.confirm_payout(again["bonus_a"])
        assert refund.status_code == 200, refund.text
        assert refund.json()["escrow_status"] == "cancelled"
        assert created.get().json()["refund_pending"] is True
        last = created.confirm_payout(again["bonus_b"]).json()
        assert (last["escrow_status"], last["bout_status"]) == ("cancelled", "closed")
        view = created.get().json()
        assert view["refund_pending"] is False
        assert {e["escrow_kind"]: e["status"] for e in view["escrows"]} == {
            "show_a": "finished",
            "show_b": "finished",
            "bonus_a": "cancelled",
            "bonus_b": "cancelled",
        }
        assert created.post("/payouts/prepare").status_code == 409
        statuses = [
            (r["details"].get("from"), r["details"].get("to"))
            for r in db_state.audit(database, created.id)
            if r["entity_type"] == "bout" and r["outcome"] == "applied" and "to" in r["details"]
        ]
        assert statuses[-3:] == [
            ("escrows_created", "result_entered"),
            ("result_entered", "payouts_in_progress"),
            ("payouts_in_progress", "closed"),
        ]

    @pytest.mark.parametrize("outcome", NO_WINNER)
    @pytest.mark.parametrize("kind", ["bonus_a", "bonus_b"])
    def test_a_bonus_finish_is_refused(
        self, created: Flow, admin: Account, database: URL, outcome: str, kind: str
    ) -> None:
        created.post("/result", {"outcome": outcome}, who=admin)
        items = created.prepare_payouts()
        finish = created.confirm_payout(
            items[kind],
            transaction_type="EscrowFinish",
            fulfillment_hex="A0228020" + "11" * 32,
            close_time_ripple=created.escrow(kind)["finish_after_ripple"] + 10,
        )
        assert finish.status_code == 422, finish.text
        assert finish.json()["failure_code"] == "invalid_confirmation"
        assert db_state.escrows(database, created.id)[kind]["status"] == "created"

    def test_a_refund_before_cancel_after_is_refused(self, created: Flow, admin: Account) -> None:
        created.post("/result", {"outcome": "draw"}, who=admin)
        items = created.prepare_payouts()
        early = created.confirm_payout(
            items["bonus_b"], close_time_ripple=created.escrow("bonus_b")["cancel_after_ripple"]
        )
        assert early.status_code == 422
        assert early.json()["failure_code"] == "invalid_confirmation"

    @pytest.mark.parametrize("outcome", NO_WINNER)
    def test_no_preimage_is_ever_revealed(
        self, created: Flow, admin: Account, outcome: str
    ) -> None:
        created.post("/result", {"outcome": outcome}, who=admin)
        prepared = created.post("/payouts/prepare")
        assert prepared.status_code == 200
        assert "A0228020" not in prepared.text and "Fulfillment" not in prepared.text
        closed = created.prepare_payouts()
        for kind in ("show_a", "show_b"):
            created.confirm_payout(closed[kind])
        after = created.post("/payouts/prepare")
        assert after.status_code == 200 and "A0228020" not in after.text

    def test_fighters_see_the_outcome(
        self, created: Flow, admin: Account, fighters: tuple[Account, Account]
    ) -> None:
        created.post("/result", {"outcome": "no_contest"}, who=admin)
        for fighter in fighters:
            view = created.get(who=fighter).json()
            assert view["outcome"] == "no_contest" and view["winner"] is None
