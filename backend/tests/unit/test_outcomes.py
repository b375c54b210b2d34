"""The outcome table: what each outcome does with each escrow, and when the bout closes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringledger.bouts.models import EscrowKind, EscrowStatus, Outcome, Winner
from ringledger.bouts.outcomes import PLANS, plan_for
from ringledger.ledger.evidence import PayoutAction

pytestmark = pytest.mark.no_db

FINISH, CANCEL = PayoutAction.FINISH, PayoutAction.CANCEL
SHOWS = (EscrowKind.SHOW_A, EscrowKind.SHOW_B)
BONUSES = (EscrowKind.BONUS_A, EscrowKind.BONUS_B)
# The table of the product, written out by hand: outcome -> (show_a, show_b, bonus_a, bonus_b).
EXPECTED = {
    Outcome.WIN_A: (FINISH, FINISH, FINISH, CANCEL),
    Outcome.WIN_B: (FINISH, FINISH, CANCEL, FINISH),
    Outcome.DRAW: (FINISH, FINISH, CANCEL, CANCEL),
    Outcome.NO_CONTEST: (FINISH, FINISH, CANCEL, CANCEL),
}
ORDER = (EscrowKind.SHOW_A, EscrowKind.SHOW_B, EscrowKind.BONUS_A, EscrowKind.BONUS_B)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_each_outcome_does_what_the_table_says(outcome: Outcome) -> None:
    plan = plan_for(outcome)
    assert tuple(plan.action(kind) for kind in ORDER) == EXPECTED[outcome]


def test_every_outcome_has_a_plan() -> None:
    assert set(PLANS) == set(Outcome)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_shows_are_always_paid_and_only_a_winner_bonus_is_revealed(outcome: Outcome) -> None:
    plan = plan_for(outcome)
    assert all(plan.action(kind) is FINISH for kind in SHOWS)
    revealed = [kind for kind in ORDER if plan.reveals(kind)]
    winner = outcome.winner
    if winner is None:
        assert revealed == []
    else:
        assert revealed == [EscrowKind.BONUS_A if winner is Winner.A else EscrowKind.BONUS_B]


def test_winner_of_each_outcome() -> None:
    assert Outcome.WIN_A.winner is Winner.A
    assert Outcome.WIN_B.winner is Winner.B
    assert Outcome.DRAW.winner is None
    assert Outcome.NO_CONTEST.winner is None
    assert Outcome.win_for(Winner.B) is Outcome.WIN_B


STATUS = st.sampled_from([EscrowStatus.CREATED, EscrowStatus.FINISHED, EscrowStatus.CANCELLED])


@given(st.sampled_from(list(Outcome)), st.tuples(STATUS, STATUS, STATUS, STATUS))
def test_closing_and_refund_pending(outcome: Outcome, statuses: tuple[EscrowStatus, ...]) -> None:
    plan = plan_for(outcome)
    by_kind = dict(zip(ORDER, statuses, strict=True))
    # Settled however the ledger settled it: a cancel the outcome did not allow is an anomaly,
    # but the money has moved all the same.
    settled = {kind for kind, status in by_kind.items() if status is not EscrowStatus.CREATED}
    paid = {kind for kind, action in zip(ORDER, EXPECTED[outcome], strict=True) if action is FINISH}
    assert plan.closes(by_kind) == (paid <= settled)
    refunds = set(ORDER) - paid
    assert plan.refund_pending(by_kind) == any(
        by_kind[kind] is EscrowStatus.CREATED for kind in refunds
    )
