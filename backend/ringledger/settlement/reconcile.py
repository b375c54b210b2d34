"""Signing reconcile for either phase: ask where a sign request stands and record it."""

from __future__ import annotations

import uuid
from typing import Any

from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle, queries
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.models import BoutStatus
from ringledger.bouts.records import BoutRow
from ringledger.core.db import Tx
from ringledger.settlement import signing_outcomes
from ringledger.settlement.schemas import ReconcileRequest
from ringledger.signing import service as signing_service
from ringledger.signing.interface import SigningService
from ringledger.signing.models import SigningPhase


async def reconcile(
    tx: Tx,
    *,
    bout_id: uuid.UUID,
    phase: SigningPhase,
    request: ReconcileRequest,
    actor: Actor,
    signing: SigningService,
) -> dict[str, Any]:
    """Record the sign request's outcome; never changes an escrow's or the bout's status."""
    action = f"signing.{phase.value}.reconcile"
    found = await queries.with_attempt(
        tx.conn, bout_id, kind=request.escrow_kind, phase=phase, payload_id=request.payload_id
    )
    if found is None:
        raise BoutNotFound("No such bout.")
    bout, issued = found
    _refuse_if_withdrawn(tx, bout=bout, actor=actor, action=action)
    attempt = signing_service.require_attempt(issued, escrow_kind=request.escrow_kind.value)
    # Asked before the bout's lock is taken: a slow Xaman must not hold it.
    outcome = await signing_service.ask_status(
        tx,
        signing,
        attempt=attempt,
        observed_status=request.observed_status,
        observed_tx_hash=request.observed_tx_hash.upper() if request.observed_tx_hash else None,
        actor=actor,
    )
    locked = await signing_outcomes.lock_for(tx, attempt, wait=True)
    assert locked is not None and locked.attempt is not None
    bout, attempt = locked.bout, locked.attempt
    _refuse_if_withdrawn(tx, bout=bout, actor=actor, action=action)
    signing_outcomes.record_locked(tx, bout, attempt, locked.newest, outcome, actor)
    escrow = bout.escrow(request.escrow_kind)
    return {
        "bout_id": str(bout.id),
        "escrow_id": str(escrow.id),
        "escrow_kind": escrow.kind.value,
        "escrow_status": escrow.status.value,
        "payload_id": attempt.payload_id,
        "signing_status": attempt.status.value,
        "tx_hash": attempt.tx_hash,
        "failure_code": signing_service.failure_code_of(attempt.status),
    }


def _refuse_if_withdrawn(tx: Tx, *, bout: BoutRow, actor: Actor, action: str) -> None:
    """A withdrawn bout takes no lifecycle request any more, reconciles included."""
    if bout.status == BoutStatus.WITHDRAWN:
        raise lifecycle.reject(
            tx,
            bout=bout,
            actor=actor,
            action=action,
            detail="The bout was withdrawn; its sign requests were withdrawn with it.",
        )
