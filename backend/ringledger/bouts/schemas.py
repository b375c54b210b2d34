"""Bodies of /bouts: creation, the bout view, and the list page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from ringledger.bouts.models import BoutStatus, EscrowKind, EscrowStatus

Drops = Annotated[StrictInt, Field(description="Integer drops (1 XRP = 1,000,000 drops).")]
UtcTime = Annotated[datetime, Field(examples=["2027-03-01T20:00:00Z"])]


class CreateBoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fighter_a_user_id: uuid.UUID
    fighter_b_user_id: uuid.UUID
    event_datetime_utc: UtcTime = Field(description="Timezone-aware event start (UTC).")
    promoter_xrpl_address: str = Field(
        max_length=128, description="Escrow owner (classic address)."
    )
    show_a_drops: Drops
    show_b_drops: Drops
    bonus_a_drops: Drops
    bonus_b_drops: Drops
    title: str | None = Field(default=None, max_length=200)


SigningStatusName = Literal["open", "signed", "declined", "expired", "unknown", "superseded"]


class SigningView(BaseModel):
    """The escrow's newest sign request of the promoter's (a fighter's claim is not shown)."""

    payload_id: str
    status: SigningStatusName
    updated_at: str


class EscrowView(BaseModel):
    escrow_id: uuid.UUID
    escrow_kind: EscrowKind
    status: EscrowStatus
    owner_address: str
    destination_address: str
    amount_drops: int
    finish_after_ripple: int
    cancel_after_ripple: int | None
    condition_hex: str | None
    offer_sequence: int | None
    create_tx_hash: str | None
    close_tx_hash: str | None
    failure_code: str | None
    failure_reason: str | None
    closed_by_address: str | None = Field(
        description="The account that submitted the finish or cancel (rpc mode), else null."
    )
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
    anomalies: list[AnomalyView] = Field(
        description="Ledger moves the outcome did not allow, recorded as the ledger shows them."
    )
    escrows: list[EscrowView]


class BoutPage(BaseModel):
    items: list[BoutView]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end."
    )
