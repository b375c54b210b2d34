"""A bout and its escrows as the lifecycle works on them (rows read by `bouts.queries`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ringledger.bouts.models import BoutStatus, EscrowKind, EscrowStatus, Outcome, Winner


@dataclass(frozen=True, slots=True)
class Token:
    """A bout's token: its label among the allowed ones, currency code and issuer."""

    label: str
    currency: str
    issuer: str


@dataclass(slots=True)
class EscrowRow:
    id: uuid.UUID
    bout_id: uuid.UUID
    kind: EscrowKind
    status: EscrowStatus
    owner_address: str
    destination_address: str
    amount_drops: int | None
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
    amount_value: Decimal | None = None  # a token escrow's amount (amount_drops is then None)
    delivered_value: Decimal | None = None  # what a token finish delivered after the fee


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
    token_label: str | None = None
    token_currency: str | None = None
    token_issuer: str | None = None
    transfer_rate: int | None = None  # the issuer's, as the escrow prepare read it (rpc mode)
    escrows: list[EscrowRow] = field(default_factory=list)

    @property
    def token(self) -> Token | None:
        """The issued token the bout is settled in; None for XRP."""
        if self.token_label is None:
            return None
        assert self.token_currency is not None and self.token_issuer is not None
        return Token(self.token_label, self.token_currency, self.token_issuer)

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
