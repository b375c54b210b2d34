"""Withdrawing a draft bout that never locked money: `draft → withdrawn`, for good.

Allowed while every escrow is still planned and no escrow-create sign request was signed: a
signed EscrowCreate may already be on the ledger, and that escrow must be confirmed first (the
bout then settles as a no contest). The signing side is asked about every open sign request
before anything changes, each is withdrawn there, and only then is the bout moved, under the
same bout lock as the confirms and reconciles, after checking everything again.
"""

from __future__ import annotations

import uuid

from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle, queries
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.models import BoutStatus, EscrowStatus
from ringledger.bouts.records import BoutRow
from ringledger.core.db import Tx
from ringledger.core.errors import StateConflict
from ringledger.settlement import signing_outcomes
from ringledger.signing import queries as signing_queries
from ringledger.signing import service as signing_service
from ringledger.signing.interface import PayloadOutcome, SigningService
from ringledger.signing.models import SigningPhase, SigningStatus
from ringledger.signing.queries import AttemptRow

ACTION = "bout.withdraw"
Answers = list[tuple[AttemptRow, PayloadOutcome]]


async def withdraw(tx: Tx, *, bout_id: uuid.UUID, actor: Actor, signing: SigningService) -> BoutRow:
    """Withdraw the bout and its open sign requests; 409 (audited) when money may be locked."""
    bout = await queries.load_bout_for_signing(tx, bout_id)
    if bout is None:
        raise BoutNotFound("No such bout.")
    await _refuse_unless_withdrawable(tx, bout=bout, actor=actor)
    attempts = await signing_queries.of_bout(
        tx.conn, bout_id=bout.id, phase=SigningPhase.ESCROW_CREATE, status=SigningStatus.OPEN
    )
    # First ask: a request signed at Xaman but not yet reconciled means money may be locked.
    asked = [(attempt, await _ask(tx, signing, attempt, actor)) for attempt in attempts]
    await _refuse_if_signed(tx, bout=bout, answers=asked, actor=actor)
    # Then withdraw each; one may have been signed, or opened in the wallet, in between.
    withdrawn = [
        (
            attempt,
            await signing_service.withdraw_request(
                tx, signing, attempt=attempt, actor=actor, action=ACTION
            ),
        )
        for attempt in attempts
    ]
    await _refuse_if_signed(tx, bout=bout, answers=withdrawn, actor=actor)
    still_open = [attempt for attempt, answer in withdrawn if answer.status == SigningStatus.OPEN]
    bout = await _lock(tx, bout.id)
    if still_open:
        raise _reject(
            tx,
            bout=bout,
            actor=actor,
            detail="A sign request is open in the signer's wallet and cannot be withdrawn; "
            "decline it there (or let it expire), then withdraw again.",
            payload_ids=[attempt.payload_id for attempt in still_open],
        )
    # A reconcile or webhook may have recorded a signature while we were asking: check again.
    await _refuse_unless_withdrawable(tx, bout=bout, actor=actor)
    # Read every attempt as it is now first: the writes then go out together with the move.
    current = [await signing_queries.current(tx.conn, attempt.id) for attempt, _ in withdrawn]
    for (attempt, newest), (_, answer) in zip(current, withdrawn, strict=True):
        kind = bout.escrow_by_id(attempt.escrow_id).kind.value
        signing_service.close_withdrawn(tx, attempt, newest, kind, answer, actor)
    lifecycle.move_bout(
        tx,
        bout=bout,
        to=BoutStatus.WITHDRAWN,
        actor=actor,
        action=ACTION,
        details={"withdrawn_sign_requests": [attempt.payload_id for attempt, _ in withdrawn]},
    )
    return bout


async def _lock(tx: Tx, bout_id: uuid.UUID) -> BoutRow:
    locked = await queries.lock_bout(tx, bout_id)
    if locked is None:
        raise BoutNotFound("No such bout.")
    return locked.bout


async def _refuse_unless_withdrawable(tx: Tx, *, bout: BoutRow, actor: Actor) -> None:
    if bout.status != BoutStatus.DRAFT:
        raise _reject(
            tx,
            bout=bout,
            actor=actor,
            detail=f"Only a draft bout can be withdrawn; the bout is {bout.status.value}.",
        )
    locked = [escrow.kind.value for escrow in bout.escrows if escrow.status != EscrowStatus.PLANNED]
    if locked:
        raise _reject(
            tx,
            bout=bout,
            actor=actor,
            detail="Money is locked in escrow for this bout; confirm every escrow, then enter "
            "the result as a no contest.",
            escrow_kinds=locked,
        )
    signed = await signing_queries.of_bout(
        tx.conn, bout_id=bout.id, phase=SigningPhase.ESCROW_CREATE, status=SigningStatus.SIGNED
    )
    if signed:
        raise _reject(
            tx,
            bout=bout,
            actor=actor,
            detail="An EscrowCreate of this bout was signed and may be on the ledger; confirm "
            "it first, then settle the bout as a no contest.",
            payload_ids=[attempt.payload_id for attempt in signed],
        )


async def _ask(
    tx: Tx, signing: SigningService, attempt: AttemptRow, actor: Actor
) -> PayloadOutcome:
    return await signing_service.ask_status(
        tx,
        signing,
        attempt=attempt,
        observed_status=None,
        observed_tx_hash=None,
        actor=actor,
        action=ACTION,
    )


async def _refuse_if_signed(tx: Tx, *, bout: BoutRow, answers: Answers, actor: Actor) -> None:
    """Record every answer that says "signed" (under the bout lock), then refuse."""
    signed = [
        (attempt, outcome) for attempt, outcome in answers if outcome.status == SigningStatus.SIGNED
    ]
    if not signed:
        return
    bout = await _lock(tx, bout.id)
    for attempt, outcome in signed:
        current, newest = await signing_queries.current(tx.conn, attempt.id)
        signing_outcomes.record_locked(tx, bout, current, newest, outcome, actor)
    raise _reject(
        tx,
        bout=bout,
        actor=actor,
        detail="The signer signed an EscrowCreate of this bout, which may be on the ledger; "
        "confirm it first, then settle the bout as a no contest.",
        payload_ids=[attempt.payload_id for attempt, _ in signed],
    )


def _reject(tx: Tx, *, bout: BoutRow, actor: Actor, detail: str, **facts: object) -> StateConflict:
    return lifecycle.reject(
        tx, bout=bout, actor=actor, action=ACTION, detail=detail, details=dict(facts)
    )
