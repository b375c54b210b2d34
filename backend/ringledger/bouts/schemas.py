"""Bodies of /bouts: creation, the bout view, and the list page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from ringledger.bouts.models import BoutStatus, EscrowKind, EscrowStatus

Drops = Annotated[StrictInt, Field(description="Integer drops (1 XRP = 1,000,000 drops).")]
TokenText = Annotated[
    StrictStr,
    Field(
        max_length=100,
        examples=["2500.75"],
        description="Token units as a plain decimal string: greater than zero, at most 15 "
        "significant digits, no sign, no exponent.",
    ),
]
# The default of a field that may be left out but not sent as null: pydantic does not
# validate defaults, and validates a null that is sent against the field's type.
_ABSENT: Any = None
UtcTime = Annotated[datetime, Field(examples=["2027-03-01T20:00:00Z"])]


class CreateBoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fighter_a_user_id: uuid.UUID
    fighter_b_user_id: uuid.UUID
    event_datetime_utc: UtcTime = Field(description="Timezone-aware event start (UTC).")
    promoter_xrpl_address: str = Field(
        max_length=128, description="Escrow owner (classic address)."
    )
    # An XRP bout gives the four *_drops; a token bout gives token and the four *_amount. A
    # field of the other form is left out, never sent as null (null is a validation error).
    show_a_drops: Drops = _ABSENT
    show_b_drops: Drops = _ABSENT
    bonus_a_drops: Drops = _ABSENT
    bonus_b_drops: Drops = _ABSENT
    token: Annotated[
        StrictStr, Field(max_length=64, description="A token bout: a label from GET /tokens.")
    ] = _ABSENT
    show_a_amount: TokenText = _ABSENT
    show_b_amount: TokenText = _ABSENT
    bonus_a_amount: TokenText = _ABSENT
    bonus_b_amount: TokenText = _ABSENT
    title: str | None = Field(default=None, max_length=200)


SigningStatusName = Literal["open", "signed", "declined", "expired", "unknown", "superseded"]


class SigningView(BaseModel):
    """The escrow's newest sign request of the promoter's (a fighter's claim is not shown)."""

    payload_id: str
    status: SigningStatusName
    updated_at: str


class TokenAmountView(BaseModel):
    """The ledger's own amount object of a token."""

    currency: str
    issuer: str
    value: str = Field(description="An exact decimal, as a string.")


class TokenView(BaseModel):
    label: str
    currency: str
    issuer: str
    transfer_rate: int | None = Field(
        description="The issuer's TransferRate as the escrow prepare read it (1000000000 = no "
        "fee); null before."
    )


class EscrowView(BaseModel):
    escrow_id: uuid.UUID
    escrow_kind: EscrowKind
    status: EscrowStatus
    owner_address: str
    destination_address: str
    amount_drops: int | None = Field(description="XRP bouts; null for a token bout.")
    amount: str | TokenAmountView = Field(
        description="The ledger's amount: drops as a string, or the token amount object."
    )
    net_amount: str | TokenAmountView | None = Field(
        description="What the destination receives after the issuer's transfer fee at the "
        "recorded rate (the least that can arrive); null for a token bout before prepare."
    )
    finish_after_ripple: int
    cancel_after_ripple: int | None
    condition_hex: str | None
    offer_sequence: int | None
    create_tx_hash: str | None
    close_tx_hash: str | None
    closed_by_address: str | None = Field(
        description="The account that submitted the finish or cancel (rpc mode), else null."
    )
    failure_code: str | None
    failure_reason: str | None
    signing: SigningView | None


class AnomalyView(BaseModel):
    escrow_kind: EscrowKind
    tx_hash: str | None
    reason: str
    observed_at: str | None


class BoutView(BaseModel):
    bout_id: uuid.UUID
    title: str | None
    status: BoutStatus
    winner: Literal["A", "B"] | None
    outcome: Literal["win_a", "win_b", "draw", "no_contest"] | None
    event_datetime_utc: str
    finish_after_utc: str
    cancel_after_utc: str
    promoter_user_id: uuid.UUID
    fighter_a_user_id: uuid.UUID
    fighter_b_user_id: uuid.UUID
    promoter_xrpl_address: str
    refund_pending: bool
    created_at: str
    updated_at: str
    token: TokenView | None = Field(description="The issued token of a token bout; null for XRP.")
    anomalies: list[AnomalyView] = Field(
        description="Ledger moves the outcome did not allow, recorded as the ledger shows them."
    )
    escrows: list[EscrowView]


class BoutPage(BaseModel):
    items: list[BoutView]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end."
    )
