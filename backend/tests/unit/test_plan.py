"""Bout plan rules: schedule, amounts, parties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringledger.bouts import plan
from ringledger.bouts.errors import PlanInvalid
from ringledger.bouts.models import MAX_TOTAL_DROPS, Escrow, EscrowKind
from ringledger.core.timeutil import RIPPLE_EPOCH_OFFSET, from_ripple, to_ripple
from ringledger.settlement import transactions
from tests.support.xrpl import new_address

pytestmark = pytest.mark.no_db


class TestSchedule:
    def test_times(self) -> None:
        event = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)
        schedule = plan.schedule_for(event)
        assert schedule.finish_after_at == event + timedelta(hours=2)
        assert schedule.cancel_after_at == event + timedelta(days=7)
        assert schedule.finish_after_ripple == int(event.timestamp()) + 7200 - RIPPLE_EPOCH_OFFSET
        assert schedule.cancel_after_ripple - schedule.finish_after_ripple == 7 * 86400 - 7200

    def test_naive_refused(self) -> None:
        with pytest.raises(PlanInvalid):
            plan.schedule_for(datetime(2027, 3, 1, 20, 0))

    def test_beyond_uint32_refused(self) -> None:
        with pytest.raises(PlanInvalid):
            plan.schedule_for(datetime(2136, 2, 1, tzinfo=UTC))

    @pytest.mark.parametrize(
        "event",
        [
            datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59))),
            datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
        ],
        ids=["year-9999", "year-1-east", "year-9999-west"],
    )
    def test_the_edges_of_the_calendar_are_refused(self, event: datetime) -> None:
        with pytest.raises(PlanInvalid, match="outside what the XRP Ledger"):
            plan.schedule_for(event)

    @given(
        st.datetimes(
            min_value=datetime.min,
            max_value=datetime.max,
            timezones=st.builds(
                timezone,
                st.timedeltas(
                    min_value=-timedelta(hours=23, minutes=59),
                    max_value=timedelta(hours=23, minutes=59),
                ),
            ),
        )
    )
    def test_any_aware_time_is_a_schedule_or_refused(self, event: datetime) -> None:
        try:
            schedule = plan.schedule_for(event)
        except PlanInvalid:
            return
        assert 0 <= schedule.finish_after_ripple < schedule.cancel_after_ripple <= 2**32 - 1
        assert from_ripple(schedule.finish_after_ripple) == schedule.finish_after_at

    @given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2100, 1, 1)))
    def test_ripple_round_trip(self, moment: datetime) -> None:
        aware = moment.replace(microsecond=0, tzinfo=UTC)
        assert from_ripple(to_ripple(aware)) == aware

    def test_signing_window(self) -> None:
        now = datetime(2027, 1, 1, tzinfo=UTC)
        plan.require_signing_window(
            now + timedelta(minutes=15), now=now, window=timedelta(minutes=15)
        )
        with pytest.raises(PlanInvalid):
            plan.require_signing_window(
                now + timedelta(minutes=14, seconds=59), now=now, window=timedelta(minutes=15)
            )


class TestAmounts:
    @given(st.lists(st.integers(min_value=-(10**18), max_value=10**18), min_size=4, max_size=4))
    def test_rule(self, values: list[int]) -> None:
        amounts = dict(zip(EscrowKind, values, strict=True))
        valid = all(value >= 1 for value in values) and sum(values) <= MAX_TOTAL_DROPS
        if valid:
            plan.check_amounts(amounts)
        else:
            with pytest.raises(PlanInvalid):
                plan.check_amounts(amounts)

    def test_exactly_the_supply(self) -> None:
        plan.check_amounts(dict(zip(EscrowKind, [MAX_TOTAL_DROPS - 3, 1, 1, 1], strict=True)))


class TestParties:
    def test_distinct_addresses(self) -> None:
        a, b, promoter = new_address(), new_address(), new_address()
        plan.check_parties(fighter_a=a, fighter_b=b, same_fighter=False, promoter_address=promoter)
        for bad in (a, b, "rNotAnAddress", ""):
            with pytest.raises(PlanInvalid):
                plan.check_parties(
                    fighter_a=a, fighter_b=b, same_fighter=False, promoter_address=bad
                )
        with pytest.raises(PlanInvalid):
            plan.check_parties(
                fighter_a=a, fighter_b=a, same_fighter=False, promoter_address=promoter
            )
        with pytest.raises(PlanInvalid):
            plan.check_parties(
                fighter_a=a, fighter_b=None, same_fighter=False, promoter_address=promoter
            )


class TestTransactions:
    def escrow(self, **overrides: object) -> Escrow:
        values: dict[str, object] = {
            "kind": EscrowKind.BONUS_A,
            "owner_address": new_address(),
            "destination_address": new_address(),
            "amount_drops": 2_000_000,
            "finish_after_ripple": 100,
            "cancel_after_ripple": 200,
            "condition_hex": "A0258020" + "AB" * 32 + "810120",
            "offer_sequence": 9,
        }
        values.update(overrides)
        return Escrow(**values)

    def test_create(self) -> None:
        escrow = self.escrow()
        tx = transactions.escrow_create(escrow)
        assert tx == {
            "TransactionType": "EscrowCreate",
            "Account": escrow.owner_address,
            "Destination": escrow.destination_address,
            "Amount": "2000000",
            "FinishAfter": 100,
            "CancelAfter": 200,
            "Condition": escrow.condition_hex,
        }

    def test_fee_for_a_32_byte_preimage(self) -> None:
        fulfillment = "A0228020" + "00" * 32
        assert transactions.finish_fee_drops(base_fee_drops=10, fulfillment_hex=fulfillment) == 350
        tx = transactions.escrow_finish(
            self.escrow(), fulfillment_hex=fulfillment, base_fee_drops=10
        )
        assert tx["Fee"] == "350" and tx["Fulfillment"] == fulfillment
        assert tx["Owner"] == tx["Account"] and tx["OfferSequence"] == 9

    def test_plain_finish_and_cancel(self) -> None:
        escrow = self.escrow()
        finish = transactions.escrow_finish(escrow, fulfillment_hex=None, base_fee_drops=10)
        assert "Fee" not in finish and "Fulfillment" not in finish
        cancel = transactions.escrow_cancel(escrow)
        assert cancel["TransactionType"] == "EscrowCancel" and cancel["OfferSequence"] == 9
