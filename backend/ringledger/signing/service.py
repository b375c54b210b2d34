"""Signing attempts: issuing sign requests and recording what became of them.

Recording an outcome never changes an escrow's or a bout's status; it updates the attempt, the
escrow's failure code for a decline or expiry (the latest attempt only), and the audit trail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts.models import Bout, Escrow, EscrowKind
from ringledger.core.errors import NotFound
from ringledger.core.metrics import OUTSIDE_CALLS
from ringledger.signing.interface import (
    PayloadOutcome,
    SigningService,
    SigningUnavailable,
    SignRequest,
)
from ringledger.signing.models import SigningAttempt, SigningPhase, SigningStatus

_FAILURE_FOR = {
    SigningStatus.DECLINED: ("signing_declined", "The promoter declined the sign request."),
    SigningStatus.EXPIRED: ("signing_expired", "The sign request expired unsigned."),
}
SIGNING_FAILURES = frozenset(code for code, _ in _FAILURE_FOR.values())
_SETTLED = frozenset({SigningStatus.SIGNED, SigningStatus.DECLINED, SigningStatus.EXPIRED})
_UNSETTLED = frozenset({SigningStatus.OPEN, SigningStatus.UNKNOWN})


class PayloadNotFound(NotFound):
    code = "payload_not_found"


@dataclass(frozen=True)
class Draft:
    """One transaction to put in front of the promoter."""

    escrow: Escrow
    txjson: dict[str, Any]
    instruction: str


async def issue(
    signing: SigningService, *, drafts: list[Draft], expire_minutes: int
) -> list[tuple[Draft, SignRequest, str]]:
    """Create a sign request per draft; if one fails, withdraw the ones already created."""
    issued: list[tuple[Draft, SignRequest, str]] = []
    try:
        for draft in drafts:
            identifier = uuid.uuid4().hex
            request = await signing.create(
                txjson=draft.txjson,
                identifier=identifier,
                instruction=draft.instruction,
                expire_minutes=expire_minutes,
                signer=draft.escrow.owner_address,  # the promoter: the escrows' owner
            )
            issued.append((draft, request, identifier))
    except Exception:
        for _, request, _ in issued:
            await _withdraw(signing, request.payload_id)
        raise
    return issued


async def record_attempts(
    session: AsyncSession,
    *,
    bout: Bout,
    phase: SigningPhase,
    issued: list[tuple[Draft, SignRequest, str]],
    actor: Actor,
) -> list[SigningAttempt]:
    """Store one attempt per issued sign request, each with an audit row."""
    attempts = []
    for draft, request, identifier in issued:
        attempt = SigningAttempt(
            id=uuid.uuid4(),
            # now() is the transaction's start; prepares of a bout queue on a lock, so only the
            # wall clock at insert orders attempts the way they were really issued ("newest").
            created_at=func.clock_timestamp(),
            escrow_id=draft.escrow.id,
            bout_id=bout.id,
            phase=phase,
            mode=request.mode,
            payload_id=request.payload_id,
            identifier=identifier,
            status=SigningStatus.OPEN,
            deep_link_url=request.deep_link_url,
            qr_png_url=request.qr_png_url,
            websocket_status_url=request.websocket_status_url,
            expires_at=request.expires_at,
        )
        session.add(attempt)
        attempts.append(attempt)
    await session.flush()
    for attempt, (draft, _, _) in zip(attempts, issued, strict=True):
        await audit.record(
            session,
            actor=actor,
            action=f"signing.{phase.value}.request",
            entity_type="signing_attempt",
            entity_id=attempt.id,
            bout_id=bout.id,
            outcome="issued",
            details={
                "escrow_kind": draft.escrow.kind.value,
                "payload_id": attempt.payload_id,
                "mode": attempt.mode,
            },
        )
    return attempts


async def supersede_open(
    session: AsyncSession, signing: SigningService, *, escrow_ids: list[uuid.UUID], keep: set[str]
) -> None:
    """Withdraw still-open older sign requests of these escrows (best effort)."""
    older = await session.scalars(
        select(SigningAttempt.payload_id).where(
            SigningAttempt.escrow_id.in_(escrow_ids),
            SigningAttempt.status == SigningStatus.OPEN,
            SigningAttempt.payload_id.not_in(keep),
        )
    )
    for payload_id in older:
        await _withdraw(signing, payload_id)


async def _withdraw(signing: SigningService, payload_id: str) -> None:
    try:
        await signing.cancel(payload_id=payload_id)
    except Exception:  # withdrawing is a courtesy: the newer request is what counts
        OUTSIDE_CALLS.labels("xaman", "cancel", "ignored_failure").inc()


async def find_attempt(
    session: AsyncSession,
    *,
    bout: Bout,
    kind: EscrowKind,
    phase: SigningPhase,
    payload_id: str,
) -> tuple[SigningAttempt, Escrow]:
    """The attempt the service issued for this escrow and phase (404 payload_not_found else)."""
    escrow = bout.escrow(kind)
    attempt = await session.scalar(
        select(SigningAttempt).where(
            SigningAttempt.payload_id == payload_id,
            SigningAttempt.escrow_id == escrow.id,
            SigningAttempt.phase == phase,
        )
    )
    if attempt is None:
        raise PayloadNotFound(
            f"No sign request with this payload id was issued for the {kind.value} escrow."
        )
    return attempt, escrow


async def record_outcome(
    session: AsyncSession,
    *,
    bout: Bout,
    escrow: Escrow,
    attempt: SigningAttempt,
    outcome: PayloadOutcome,
    actor: Actor,
) -> bool:
    """Record a (new) outcome; returns False when nothing changed (no second audit row)."""
    if attempt.status == outcome.status and attempt.tx_hash == (outcome.tx_hash or attempt.tx_hash):
        return False
    if attempt.status in _SETTLED and outcome.status in _UNSETTLED:
        # Xaman forgets payloads after a while; a later "unknown" must not erase what was known.
        return False
    attempt.status = outcome.status
    attempt.tx_hash = outcome.tx_hash or attempt.tx_hash
    attempt.status_reason = (outcome.reason or "")[:500] or None
    latest = await _is_latest(session, attempt)
    if latest:
        _mark_escrow(escrow, outcome.status)
    failure_code = _FAILURE_FOR.get(outcome.status, (None, None))[0]
    await audit.record(
        session,
        actor=actor,
        action=f"signing.{attempt.phase.value}.reconcile",
        entity_type="signing_attempt",
        entity_id=attempt.id,
        bout_id=bout.id,
        outcome=outcome.status.value,
        failure_code=failure_code,
        details={
            "escrow_kind": escrow.kind.value,
            "payload_id": attempt.payload_id,
            "mode": attempt.mode,
            "tx_hash": attempt.tx_hash,
            "reason": attempt.status_reason,
            "latest_attempt": latest,
        },
    )
    await session.flush()
    return True


def _mark_escrow(escrow: Escrow, status: SigningStatus) -> None:
    if status in _FAILURE_FOR:
        escrow.failure_code, escrow.failure_reason = _FAILURE_FOR[status]
    elif status == SigningStatus.SIGNED and escrow.failure_code in SIGNING_FAILURES:
        escrow.failure_code = escrow.failure_reason = None


async def _is_latest(session: AsyncSession, attempt: SigningAttempt) -> bool:
    newest = await session.scalar(
        select(SigningAttempt.id)
        .where(SigningAttempt.escrow_id == attempt.escrow_id, SigningAttempt.phase == attempt.phase)
        .order_by(SigningAttempt.created_at.desc(), SigningAttempt.id.desc())
        .limit(1)
    )
    return newest == attempt.id


async def attempts_of(
    session: AsyncSession, *, bout_id: uuid.UUID, phase: SigningPhase, status: SigningStatus
) -> list[SigningAttempt]:
    """A bout's attempts of one phase in one status, oldest first."""
    rows = await session.scalars(
        select(SigningAttempt)
        .where(
            SigningAttempt.bout_id == bout_id,
            SigningAttempt.phase == phase,
            SigningAttempt.status == status,
        )
        .order_by(SigningAttempt.created_at, SigningAttempt.id)
    )
    return list(rows)


async def withdraw_request(
    session: AsyncSession,
    signing: SigningService,
    *,
    bout: Bout,
    attempt: SigningAttempt,
    actor: Actor,
    action: str,
) -> PayloadOutcome:
    """Withdraw one sign request for good; a failure of the signing side is audited, then 502."""
    try:
        return await signing.withdraw(payload_id=attempt.payload_id)
    except SigningUnavailable as error:
        raise await _unavailable(
            session, error, bout=bout, attempt=attempt, actor=actor, action=action
        ) from None


def close_withdrawn(attempt: SigningAttempt, outcome: PayloadOutcome) -> None:
    """Record that a still-open attempt was withdrawn with its bout (what the signer last said)."""
    if attempt.status != SigningStatus.OPEN:
        return  # a reconcile or the webhook recorded its end meanwhile
    attempt.status = outcome.status
    attempt.status_reason = (outcome.reason or "")[:500] or None


def failure_code_of(status: SigningStatus) -> str | None:
    return _FAILURE_FOR.get(status, (None, None))[0]


async def ask_status(
    session: AsyncSession,
    signing: SigningService,
    *,
    bout: Bout,
    attempt: SigningAttempt,
    observed_status: str | None,
    observed_tx_hash: str | None,
    actor: Actor,
    action: str | None = None,
) -> PayloadOutcome:
    """The payload's outcome from the signing side; a Xaman failure is audited, then 502."""
    try:
        return await signing.status(
            payload_id=attempt.payload_id,
            observed_status=observed_status,
            observed_tx_hash=observed_tx_hash,
        )
    except SigningUnavailable as error:
        raise await _unavailable(
            session, error, bout=bout, attempt=attempt, actor=actor, action=action
        ) from None


async def _unavailable(
    session: AsyncSession,
    error: SigningUnavailable,
    *,
    bout: Bout,
    attempt: SigningAttempt,
    actor: Actor,
    action: str | None,
) -> SigningUnavailable:
    """Audit that the signing side failed us about `attempt`; the 502 to raise keeps the row."""
    await audit.record(
        session,
        actor=actor,
        action=action or f"signing.{attempt.phase.value}.reconcile",
        entity_type="signing_attempt",
        entity_id=attempt.id,
        bout_id=bout.id,
        outcome="xaman_unavailable",
        details={"payload_id": attempt.payload_id, "reason": error.detail},
    )
    error.keep_changes = True
    return error
