"""The memoized type hints keep xrpl-py's model checks exactly as strict, and make them cheap."""

from __future__ import annotations

import typing

import pytest
from xrpl.models import base_model
from xrpl.models.exceptions import XRPLModelException

from ringledger.core.xrpl_models import EscrowCreate, EscrowFinish

OWNER = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
DESTINATION = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"


def _create(**changes: object) -> EscrowCreate:
    fields: dict[str, object] = {
        "account": OWNER,
        "destination": DESTINATION,
        "amount": "1000000",
        "finish_after": 800_000_000,
        "cancel_after": 800_100_000,
    }
    return EscrowCreate(**{**fields, **changes})  # type: ignore[arg-type]


def test_base_model_uses_the_memo() -> None:
    assert base_model.get_type_hints is not typing.get_type_hints
    assert base_model.get_type_hints(EscrowCreate) == typing.get_type_hints(EscrowCreate)


@pytest.mark.parametrize(
    "changes",
    [
        {"condition": 5},  # a hex string
        {"destination_tag": "7"},  # an integer
        {"destination": None},  # required
        {"cancel_after": 799_000_000},  # xrpl-py's own rule: CancelAfter after FinishAfter
    ],
)
def test_an_invalid_model_is_still_refused(changes: dict[str, object]) -> None:
    _create()  # the memo is filled by a valid one first
    with pytest.raises(XRPLModelException):
        _create(**changes)


def test_a_finish_with_a_bad_field_type_is_refused() -> None:
    with pytest.raises(XRPLModelException):
        EscrowFinish(account=OWNER, owner=OWNER, offer_sequence="7")  # type: ignore[arg-type]


def test_other_calls_reach_typing_unchanged() -> None:
    def annotated(value: int) -> str:
        return str(value)

    assert base_model.get_type_hints(annotated) == {"value": int, "return": str}
    assert base_model.get_type_hints(EscrowCreate, include_extras=True) == typing.get_type_hints(
        EscrowCreate, include_extras=True
    )
