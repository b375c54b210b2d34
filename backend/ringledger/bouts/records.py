"""A bout and its escrows as the lifecycle works on them (rows read by `bouts.queries`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from ringledger.bouts.models import BoutStatus, EscrowKind, EscrowStatus, Outcome, Winner


@dataclass(slots=True)
class EscrowRow:
    id: uuid.UUID
    bout_id: uuid.UUID
    kind: EscrowKind
    status: EscrowStatus
    owner_address: str
    destination_address: str
    amount_drops: int
    finish_after_ripple: int
    cancel_after_ripple: int | None
    condition_hex: str | None
    preimage_ciphertext: str | None
    offer_sequence: int | None
    create_tx_hash: str | None
    close_tx_hash: str | None
    failure_code: str | None
    failure_reason: str | None
    closed_by_address: str | None = None
    anomaly_reason: str | None = None
    anomaly_at: datetime | None = None
    create_ledger_index: int | None = None


@dataclass(slots=True)
class BoutRow:
    id: uuid.UUID
    title: str | None
    status: BoutStatus
    outcome: Outcome | None
    promoter_user_id: uuid.UUID
    fighter_a_user_id: uuid.UUID
    fighter_b_user_id: uuid.UUID
    promoter_xrpl_address: str
    event_at: datetime
    finish_after_at: datetime
    cancel_after_at: datetime
    finish_after_ripple: int
    cancel_after_ripple: int
    created_at: datetime
    updated_at: datetime
    escrows: list[EscrowRow] = field(default_factory=list)

    @property
    def winner(self) -> Winner | None:
        return self.outcome.winner if self.outcome is not None else None

    def escrow(self, kind: EscrowKind) -> EscrowRow:
        return next(escrow for escrow in self.escrows if escrow.kind == kind)

    def escrow_by_id(self, escrow_id: uuid.UUID) -> EscrowRow:
        return next(escrow for escrow in self.escrows if escrow.id == escrow_id)


@dataclass(frozen=True, slots=True)
class LatestSigning:
    """The newest sign request of an escrow, as the bout view shows it."""

    payload_id: str
    status: str
    updated_at: datetime
