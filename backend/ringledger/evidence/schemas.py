from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from ringledger.bouts.models import EscrowKind
from ringledger.bouts.schemas import BoutView, TokenAmountView


class AuditEntryOut(BaseModel):
    id: int
    at: str
    actor_user_id: uuid.UUID | None
    actor_role: str
    action: str
    entity_type: str
    entity_id: str | None
    outcome: str
    failure_code: str | None
    details: dict[str, Any]


class SigningAttemptOut(BaseModel):
    signing_attempt_id: uuid.UUID
    escrow_id: uuid.UUID
    escrow_kind: str
    phase: str
    mode: str
    payload_id: str
    status: str
    status_reason: str | None
    tx_hash: str | None
    signed_at: str | None
    followed_at: str | None = None
    followed_outcome: str | None = None
    expires_at: str
    created_at: str
    updated_at: str


class IdempotencyRecordOut(BaseModel):
    scope: str
    operation: str
    idempotency_key: str
    request_hash: str
    stored_status: int | None
    created_at: str


class RuntimeOut(BaseModel):
    environment: str
    xaman_mode: str
    xrpl_mode: str
    xrpl_network: str


class AmountsOut(BaseModel):
    """One escrow's money: `amount` as locked, `net_amount` after the issuer's fee at the rate
    recorded at prepare, `delivered_amount` what its close's metadata showed arriving."""

    escrow_kind: EscrowKind
    amount: str | TokenAmountView
    net_amount: str | TokenAmountView | None
    delivered_amount: str | TokenAmountView | None


class EvidenceOut(BaseModel):
    """The runbook's evidence checklist for one bout, in one document (no secrets)."""

    generated_at: str
    runtime: RuntimeOut
    bout: BoutView
    amounts: list[AmountsOut]
    signing_attempts: list[SigningAttemptOut]
    audit: list[AuditEntryOut]
    failures: list[AuditEntryOut]
    idempotency: list[IdempotencyRecordOut]
