"""The transition tables themselves, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringledger.bouts.lifecycle import BOUT_TRANSITIONS, ESCROW_TRANSITIONS, allowed
from ringledger.bouts.models import BoutStatus, EscrowStatus

pytestmark = pytest.mark.no_db

# The main line a bout walks; `withdrawn` is the one exit beside it, from draft only.
BOUT_ORDER = [status for status in BoutStatus if status is not BoutStatus.WITHDRAWN]
SIDE_EXITS = {(BoutStatus.DRAFT, BoutStatus.WITHDRAWN)}


class TestBoutTable:
    def test_every_status_has_a_row(self) -> None:
        assert set(BOUT_TRANSITIONS) == set(BoutStatus)

    def test_only_forward_by_one_or_the_withdrawal(self) -> None:
        for current, targets in BOUT_TRANSITIONS.items():
            for target in targets:
                if (current, target) in SIDE_EXITS:
                    continue
                assert BOUT_ORDER.index(target) == BOUT_ORDER.index(current) + 1

    @pytest.mark.parametrize("terminal", [BoutStatus.CLOSED, BoutStatus.WITHDRAWN])
    def test_closed_and_withdrawn_are_terminal(self, terminal: BoutStatus) -> None:
        assert BOUT_TRANSITIONS[terminal] == frozenset()

    @given(st.sampled_from(BoutStatus), st.sampled_from(BoutStatus))
    def test_backwards_and_skips_are_refused(self, current: BoutStatus, target: BoutStatus) -> None:
        if (current, target) in SIDE_EXITS:
            assert allowed(BOUT_TRANSITIONS, current, target)
            return
        on_line = current in BOUT_ORDER and target in BOUT_ORDER
        step = BOUT_ORDER.index(target) - BOUT_ORDER.index(current) if on_line else 0
        assert allowed(BOUT_TRANSITIONS, current, target) == (step == 1)

    @pytest.mark.parametrize("status", BOUT_ORDER[1:])
    def test_only_a_draft_can_be_withdrawn(self, status: BoutStatus) -> None:
        assert not allowed(BOUT_TRANSITIONS, status, BoutStatus.WITHDRAWN)


class TestEscrowTable:
    @pytest.mark.parametrize(
        ("current", "target"),
        [
            (EscrowStatus.PLANNED, EscrowStatus.CREATED),
            (EscrowStatus.CREATED, EscrowStatus.FINISHED),
            (EscrowStatus.CREATED, EscrowStatus.CANCELLED),
        ],
    )
    def test_allowed(self, current: EscrowStatus, target: EscrowStatus) -> None:
        assert allowed(ESCROW_TRANSITIONS, current, target)

    @pytest.mark.parametrize(
        ("current", "target"),
        [
            (EscrowStatus.PLANNED, EscrowStatus.FINISHED),
            (EscrowStatus.PLANNED, EscrowStatus.CANCELLED),
            (EscrowStatus.CREATED, EscrowStatus.PLANNED),
            (EscrowStatus.FINISHED, EscrowStatus.CANCELLED),
            (EscrowStatus.CANCELLED, EscrowStatus.FINISHED),
            (EscrowStatus.FINISHED, EscrowStatus.CREATED),
            (EscrowStatus.CREATED, EscrowStatus.FAILED),
        ],
    )
    def test_refused(self, current: EscrowStatus, target: EscrowStatus) -> None:
        assert not allowed(ESCROW_TRANSITIONS, current, target)

    @pytest.mark.parametrize(
        "terminal", [EscrowStatus.FINISHED, EscrowStatus.CANCELLED, EscrowStatus.FAILED]
    )
    def test_terminal(self, terminal: EscrowStatus) -> None:
        assert ESCROW_TRANSITIONS[terminal] == frozenset()
