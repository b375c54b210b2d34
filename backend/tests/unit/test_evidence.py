"""Classification and matching of ledger evidence (pure functions)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringledger.ledger import evidence
from ringledger.ledger.evidence import ExpectedCreate, ExpectedPayout, FailureCode, PayoutAction
from ringledger.ledger.interface import LedgerTx

pytestmark = pytest.mark.no_db

OWNER = "rOwner"
FINISH_AFTER, CANCEL_AFTER = 1_000_000, 1_600_000
CONDITION = "A0258020" + "AB" * 32 + "810120"
FULFILLMENT = "A0228020" + "CD" * 32


def bonus_create() -> ExpectedCreate:
    """What a bonus escrow's EscrowCreate was prepared with."""
    return ExpectedCreate(
        owner=OWNER,
        destination="rFighter",
        amount_drops=2_000_000,
        finish_after=FINISH_AFTER,
        cancel_after=CANCEL_AFTER,
        condition_hex=CONDITION,
    )


def bonus_payout(
    action: PayoutAction, fulfillment_hex: str | None, **overrides: object
) -> ExpectedPayout:
    """What settling the (created) bonus escrow must look like."""
    expected = ExpectedPayout(
        action=action,
        owner=OWNER,
        offer_sequence=77,
        finish_after=FINISH_AFTER,
        cancel_after=CANCEL_AFTER,
        fulfillment_hex=fulfillment_hex,
    )
    return dataclasses.replace(expected, **overrides)


def good_create(**overrides: object) -> LedgerTx:
    tx = LedgerTx(
        tx_hash="AA" * 32,
        validated=True,
        engine_result="tesSUCCESS",
        transaction_type="EscrowCreate",
        account=OWNER,
        destination="rFighter",
        amount_drops=2_000_000,
        finish_after=FINISH_AFTER,
        cancel_after=CANCEL_AFTER,
        condition_hex=CONDITION.lower(),
        sequence=77,
    )
    return dataclasses.replace(tx, **overrides)


def good_finish(**overrides: object) -> LedgerTx:
    tx = LedgerTx(
        tx_hash="BB" * 32,
        validated=True,
        engine_result="tesSUCCESS",
        transaction_type="EscrowFinish",
        owner=OWNER,
        offer_sequence=77,
        close_time=FINISH_AFTER + 10,
        fulfillment_hex=FULFILLMENT,
    )
    return dataclasses.replace(tx, **overrides)


class TestResultClasses:
    @pytest.mark.parametrize(
        ("overrides", "code"),
        [
            ({"engine_result": "declined"}, FailureCode.SIGNING_DECLINED),
            ({"engine_result": "User_Declined", "validated": False}, FailureCode.SIGNING_DECLINED),
            ({"engine_result": "CANCELED"}, FailureCode.SIGNING_DECLINED),
            ({"validated": False}, FailureCode.CONFIRMATION_TIMEOUT),
            ({"validated": None}, FailureCode.CONFIRMATION_TIMEOUT),
            ({"found": False}, FailureCode.CONFIRMATION_TIMEOUT),
            (
                {"validated": False, "engine_result": "tecUNFUNDED"},
                FailureCode.CONFIRMATION_TIMEOUT,
            ),
            ({"engine_result": "tecUNFUNDED_PAYMENT"}, FailureCode.LEDGER_TEC_TEM),
            ({"engine_result": "temMALFORMED"}, FailureCode.LEDGER_TEC_TEM),
            ({"engine_result": "tefPAST_SEQ"}, FailureCode.INVALID_CONFIRMATION),
            ({"engine_result": "terQUEUED"}, FailureCode.INVALID_CONFIRMATION),
            ({"engine_result": None}, FailureCode.INVALID_CONFIRMATION),
        ],
    )
    def test_classified(self, overrides: dict[str, object], code: FailureCode) -> None:
        failure = evidence.result_failure(good_create(**overrides))
        assert failure is not None and failure.code == code

    def test_success(self) -> None:
        assert evidence.result_failure(good_create()) is None

    def test_echo_is_bounded(self) -> None:
        failure = evidence.result_failure(good_create(engine_result="tec" + "X" * 10_000))
        assert failure is not None and len(failure.reason) < 100


class TestCreateMatching:
    def test_match(self) -> None:
        assert evidence.create_failure(good_create(), bonus_create()) is None

    @pytest.mark.parametrize(
        "overrides",
        [
            {"account": "rSomeoneElse"},
            {"destination": "rSomeoneElse"},
            {"amount_drops": 2_000_001},
            {"finish_after": FINISH_AFTER + 1},
            {"cancel_after": None},
            {"condition_hex": None},
            {"condition_hex": "A0258020" + "00" * 32 + "810120"},
            {"sequence": None},
            {"transaction_type": "Payment"},
        ],
    )
    def test_each_field_matters(self, overrides: dict[str, object]) -> None:
        failure = evidence.create_failure(good_create(**overrides), bonus_create())
        assert failure is not None and failure.code == FailureCode.INVALID_CONFIRMATION


class TestPayoutMatching:
    def test_winner_bonus_finish(self) -> None:
        expected = bonus_payout(PayoutAction.FINISH, FULFILLMENT)
        assert evidence.payout_failure(good_finish(), expected) is None

    @pytest.mark.parametrize(
        "overrides",
        [
            {"transaction_type": "EscrowCancel"},
            {"owner": "rSomeoneElse"},
            {"offer_sequence": 78},
            {"fulfillment_hex": None},
            {"fulfillment_hex": "A0228020" + "00" * 32},
            {"close_time": None},
            {"close_time": FINISH_AFTER},
            {"close_time": CANCEL_AFTER + 1},
        ],
    )
    def test_finish_mismatch(self, overrides: dict[str, object]) -> None:
        failure = evidence.payout_failure(
            good_finish(**overrides), bonus_payout(PayoutAction.FINISH, FULFILLMENT)
        )
        assert failure is not None and failure.code == FailureCode.INVALID_CONFIRMATION

    def test_fulfillment_where_none_belongs(self) -> None:
        show = bonus_payout(PayoutAction.FINISH, None, cancel_after=None)
        failure = evidence.payout_failure(good_finish(), show)
        assert failure is not None

    @given(st.integers(min_value=0, max_value=2**32 - 1))
    def test_cancel_only_strictly_after_cancel_after(self, close_time: int) -> None:
        tx = good_finish(
            transaction_type="EscrowCancel", fulfillment_hex=None, close_time=close_time
        )
        failure = evidence.payout_failure(tx, bonus_payout(PayoutAction.CANCEL, None))
        assert (failure is None) == (close_time > CANCEL_AFTER)

    @given(st.integers(min_value=0, max_value=2**32 - 1))
    def test_finish_window(self, close_time: int) -> None:
        failure = evidence.payout_failure(
            good_finish(close_time=close_time), bonus_payout(PayoutAction.FINISH, FULFILLMENT)
        )
        assert (failure is None) == (FINISH_AFTER < close_time <= CANCEL_AFTER)


class TestDisagreements:
    def test_unsent_fields_are_not_compared(self) -> None:
        claimed = LedgerTx(tx_hash="AA" * 32, validated=None, transaction_type="EscrowCreate")
        assert evidence.disagreements(claimed, good_create()) is None

    def test_a_claim_the_ledger_contradicts(self) -> None:
        claimed = LedgerTx(tx_hash="AA" * 32, validated=None, amount_drops=5)
        failure = evidence.disagreements(claimed, good_create())
        assert failure is not None and "amount_drops" in failure.reason
