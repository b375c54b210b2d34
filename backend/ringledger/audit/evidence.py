"""The incident evidence document of a bout (runbook: Evidence Capture Checklist)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit import service as audit
from ringledger.audit.models import AuditEntry
from ringledger.audit.schemas import (
    AuditEntryOut,
    EvidenceOut,
    IdempotencyRecordOut,
    RuntimeOut,
    SigningAttemptOut,
)
from ringledger.bouts import views
from ringledger.bouts.models import Bout
from ringledger.core.config import Settings
from ringledger.core.timeutil import iso_utc, utcnow
from ringledger.idempotency.models import IdempotencyRecord
from ringledger.signing.models import SigningAttempt


def entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        at=iso_utc(entry.at) or "",
        actor_user_id=entry.actor_user_id,
        actor_role=entry.actor_role,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        outcome=entry.outcome,
        failure_code=entry.failure_code,
        details=entry.details,
    )


async def trail(session: AsyncSession, *, bout: Bout) -> list[AuditEntryOut]:
    return [entry_out(entry) for entry in await audit.entries_for_bout(session, bout_id=bout.id)]


async def collect(session: AsyncSession, *, bout: Bout, settings: Settings) -> EvidenceOut:
    """Bout and escrow states, signing attempts, audit trail, failures and idempotency records."""
    entries = await trail(session, bout=bout)
    kinds = {escrow.id: escrow.kind.value for escrow in bout.escrows}
    attempts = await session.scalars(
        select(SigningAttempt)
        .where(SigningAttempt.bout_id == bout.id)
        .order_by(SigningAttempt.created_at, SigningAttempt.id)
    )
    records = await session.scalars(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.bout_id == bout.id)
        .order_by(IdempotencyRecord.id)
    )
    return EvidenceOut(
        generated_at=iso_utc(utcnow()) or "",
        runtime=RuntimeOut(
            environment=settings.RINGLEDGER_ENV,
            xaman_mode=settings.XAMAN_MODE,
            xrpl_mode=settings.XRPL_MODE,
            xrpl_network=settings.XRPL_NETWORK,
        ),
        bout=await views.render(session, bout),
        signing_attempts=[_attempt_out(attempt, kinds) for attempt in attempts],
        audit=entries,
        failures=[entry for entry in entries if entry.failure_code],
        idempotency=[_record_out(record) for record in records],
    )


def _attempt_out(attempt: SigningAttempt, kinds: dict[uuid.UUID, str]) -> SigningAttemptOut:
    return SigningAttemptOut(
        signing_attempt_id=attempt.id,
        escrow_id=attempt.escrow_id,
        escrow_kind=kinds.get(attempt.escrow_id, "unknown"),
        phase=attempt.phase.value,
        mode=attempt.mode,
        payload_id=attempt.payload_id,
        status=attempt.status.value,
        status_reason=attempt.status_reason,
        tx_hash=attempt.tx_hash,
        expires_at=iso_utc(attempt.expires_at) or "",
        created_at=iso_utc(attempt.created_at) or "",
        updated_at=iso_utc(attempt.updated_at) or "",
    )


def _record_out(record: IdempotencyRecord) -> IdempotencyRecordOut:
    return IdempotencyRecordOut(
        scope=f"{record.operation}:{record.bout_id}",
        operation=record.operation,
        idempotency_key=record.key,
        request_hash=record.request_hash,
        stored_status=record.response_status,
        created_at=iso_utc(record.created_at) or "",
    )
