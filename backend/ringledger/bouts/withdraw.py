"""Withdrawing a draft bout that never locked money: `draft → withdrawn`, for good.

Allowed while every escrow is still planned and no escrow-create sign request was signed: a
signed EscrowCreate may already be on the ledger, and that escrow must be confirmed first (the
bout then settles as a no contest). The signing side is asked about every open sign request
before anything changes, each is withdrawn there, and only then is the bout moved, under the
same bout lock as the confirms and reconciles, after checking everything again.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle
from ringledger.bouts.confirm import hold_signing_lock, lock_bout
from ringledger.bouts.models import Bout, BoutStatus, EscrowStatus
from ringledger.core.errors import StateConflict
from ringledger.signing import service as signing_service
from ringledger.signing.interface import PayloadOutcome, SigningService
from ringledger.signing.models import SigningAttempt, SigningPhase, SigningStatus

ACTION = "bout.withdraw"


async def withdraw(
    session: AsyncSession, *, bout: Bout, actor: Actor, signing: SigningService
) -> Bout:
    """Withdraw the bout and its open sign requests; 409 (audited) when money may be locked."""
    bout = await hold_signing_lock(session, bout.id)
    await _refuse_unless_withdrawable(session, bout=bout, actor=actor)
    attempts = await signing_service.attempts_of(
        session, bout_id=bout.id, phase=SigningPhase.ESCROW_CREATE, status=SigningStatus.OPEN
    )
    # First ask: a request signed at Xaman but not yet reconciled means money may be locked.
    asked = [
        await _ask(session, signing, bout=bout, attempt=item, actor=actor) for item in attempts
    ]
    await _refuse_if_signed(session, bout=bout, answers=asked, actor=actor)
    # Then withdraw each; one may have been signed, or opened in the wallet, in between.
    withdrawn = [
        await _withdraw_one(session, signing, bout=bout, attempt=item, actor=actor)
        for item in attempts
    ]
    await _refuse_if_signed(session, bout=bout, answers=withdrawn, actor=actor)
    still_open = [attempt for attempt, answer in withdrawn if answer.status == SigningStatus.OPEN]
    bout = await lock_bout(session, bout.id)
    if still_open:
        raise await _reject(
            session,
            bout=bout,
            actor=actor,
            detail="A sign request is open in the signer's wallet and cannot be withdrawn; "
            "decline it there (or let it expire), then withdraw again.",
            payload_ids=[attempt.payload_id for attempt in still_open],
        )
    # A reconcile or webhook may have recorded a signature while we were asking: check again.
    await _refuse_unless_withdrawable(session, bout=bout, actor=actor)
    for attempt, answer in withdrawn:
        await session.refresh(attempt)
        signing_service.close_withdrawn(attempt, answer)
    await lifecycle.move_bout(
        session,
        bout=bout,
        to=BoutStatus.WITHDRAWN,
        actor=actor,
        action=ACTION,
        details={"withdrawn_sign_requests": [attempt.payload_id for attempt, _ in withdrawn]},
    )
    return bout


async def _refuse_unless_withdrawable(session: AsyncSession, *, bout: Bout, actor: Actor) -> None:
    if bout.status != BoutStatus.DRAFT:
        raise await _reject(
            session,
            bout=bout,
            actor=actor,
            detail=f"Only a draft bout can be withdrawn; the bout is {bout.status.value}.",
        )
    locked = [escrow.kind.value for escrow in bout.escrows if escrow.status != EscrowStatus.PLANNED]
    if locked:
        raise await _reject(
            session,
            bout=bout,
            actor=actor,
            detail="Money is locked in escrow for this bout; confirm every escrow, then enter "
            "the result as a no contest.",
            escrow_kinds=locked,
        )
    signed = await signing_service.attempts_of(
        session, bout_id=bout.id, phase=SigningPhase.ESCROW_CREATE, status=SigningStatus.SIGNED
    )
    if signed:
        raise await _reject(
            session,
            bout=bout,
            actor=actor,
            detail="An EscrowCreate of this bout was signed and may be on the ledger; confirm "
            "it first, then settle the bout as a no contest.",
            payload_ids=[attempt.payload_id for attempt in signed],
        )


async def _ask(
    session: AsyncSession,
    signing: SigningService,
    *,
    bout: Bout,
    attempt: SigningAttempt,
    actor: Actor,
) -> tuple[SigningAttempt, PayloadOutcome]:
    outcome = await signing_service.ask_status(
        session,
        signing,
        bout=bout,
        attempt=attempt,
        observed_status=None,
        observed_tx_hash=None,
        actor=actor,
        action=ACTION,
    )
    return attempt, outcome


async def _withdraw_one(
    session: AsyncSession,
    signing: SigningService,
    *,
    bout: Bout,
    attempt: SigningAttempt,
    actor: Actor,
) -> tuple[SigningAttempt, PayloadOutcome]:
    outcome = await signing_service.withdraw_request(
        session, signing, bout=bout, attempt=attempt, actor=actor, action=ACTION
    )
    return attempt, outcome


async def _refuse_if_signed(
    session: AsyncSession,
    *,
    bout: Bout,
    answers: list[tuple[SigningAttempt, PayloadOutcome]],
    actor: Actor,
) -> None:
    """Record every answer that says "signed" (under the bout lock), then refuse."""
    signed = [
        (attempt, outcome) for attempt, outcome in answers if outcome.status == SigningStatus.SIGNED
    ]
    if not signed:
        return
    bout = await lock_bout(session, bout.id)
    for attempt, outcome in signed:
        await session.refresh(attempt)
        escrow = next(item for item in bout.escrows if item.id == attempt.escrow_id)
        await signing_service.record_outcome(
            session, bout=bout, escrow=escrow, attempt=attempt, outcome=outcome, actor=actor
        )
    raise await _reject(
        session,
        bout=bout,
        actor=actor,
        detail="The signer signed an EscrowCreate of this bout, which may be on the ledger; "
        "confirm it first, then settle the bout as a no contest.",
        payload_ids=[attempt.payload_id for attempt, _ in signed],
    )


async def _reject(
    session: AsyncSession, *, bout: Bout, actor: Actor, detail: str, **facts: object
) -> StateConflict:
    return await lifecycle.reject(
        session, bout=bout, actor=actor, action=ACTION, detail=detail, details=dict(facts)
    )
