"""Signing reconcile for either phase: ask where a sign request stands and record it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle
from ringledger.bouts.confirm import lock_bout
from ringledger.bouts.flow_schemas import ReconcileOut, ReconcileRequest
from ringledger.bouts.models import Bout, BoutStatus
from ringledger.signing import service as signing_service
from ringledger.signing.interface import SigningService
from ringledger.signing.models import SigningPhase


async def reconcile(
    session: AsyncSession,
    *,
    bout: Bout,
    phase: SigningPhase,
    request: ReconcileRequest,
    actor: Actor,
    signing: SigningService,
) -> ReconcileOut:
    """Record the sign request's outcome; never changes an escrow's or the bout's status."""
    action = f"signing.{phase.value}.reconcile"
    await _refuse_if_withdrawn(session, bout=bout, actor=actor, action=action)
    attempt, _ = await signing_service.find_attempt(
        session, bout=bout, kind=request.escrow_kind, phase=phase, payload_id=request.payload_id
    )
    outcome = await signing_service.ask_status(
        session,
        signing,
        bout=bout,
        attempt=attempt,
        observed_status=request.observed_status,
        observed_tx_hash=request.observed_tx_hash.upper() if request.observed_tx_hash else None,
        actor=actor,
    )
    bout = await lock_bout(session, bout.id)
    await _refuse_if_withdrawn(session, bout=bout, actor=actor, action=action)
    # Re-read under the lock: a webhook or the worker may have recorded an outcome meanwhile.
    await session.refresh(attempt)
    escrow = bout.escrow(request.escrow_kind)
    await signing_service.record_outcome(
        session, bout=bout, escrow=escrow, attempt=attempt, outcome=outcome, actor=actor
    )
    return ReconcileOut(
        bout_id=bout.id,
        escrow_id=escrow.id,
        escrow_kind=escrow.kind,
        escrow_status=escrow.status,
        payload_id=attempt.payload_id,
        signing_status=attempt.status.value,
        tx_hash=attempt.tx_hash,
        failure_code=signing_service.failure_code_of(attempt.status),  # type: ignore[arg-type]
    )


async def _refuse_if_withdrawn(
    session: AsyncSession, *, bout: Bout, actor: Actor, action: str
) -> None:
    """A withdrawn bout takes no lifecycle request any more, reconciles included."""
    if bout.status == BoutStatus.WITHDRAWN:
        raise await lifecycle.reject(
            session,
            bout=bout,
            actor=actor,
            action=action,
            detail="The bout was withdrawn; its sign requests were withdrawn with it.",
        )
