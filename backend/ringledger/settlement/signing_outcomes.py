"""Recording what became of a sign request, under its bout's lock: the one step the reconcile
route, Xaman's webhook and the reconcile worker all take (`OutcomeRecorder`).

The signing side records the outcome on its attempt; this module adds what it means for the
escrow — a decline or expiry of its newest attempt shows as the escrow's failure, a signature
clears such a failure — without ever moving an escrow's or a bout's status.
"""

from __future__ import annotations

from ringledger.audit.service import Actor
from ringledger.bouts import queries
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.queries import Locked
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.core.db import Tx
from ringledger.signing import service as signing_service
from ringledger.signing.interface import PayloadOutcome, RecordResult
from ringledger.signing.models import SigningPhase, SigningStatus
from ringledger.signing.queries import AttemptRow
from ringledger.signing.service import Recorded


async def lock_for(tx: Tx, attempt: AttemptRow, *, wait: bool) -> Locked | None:
    """The attempt's bout locked, with the attempt as stored now (another path may have been
    first); None when another request holds them and `wait` is off."""
    locked = await queries.lock_bout(tx, attempt.bout_id, attempt_id=attempt.id, wait=wait)
    if locked is None:
        if wait:
            raise BoutNotFound("No such bout.")
        return None
    return locked


def record_locked(
    tx: Tx,
    bout: BoutRow,
    current: AttemptRow,
    newest: bool,
    outcome: PayloadOutcome,
    actor: Actor,
) -> RecordResult:
    """With `bout` locked and `current` the attempt as read under that lock: record."""
    before = current.status.value
    escrow = bout.escrow_by_id(current.escrow_id)
    recorded = signing_service.record(
        tx,
        attempt=current,
        newest=newest,
        escrow_kind=escrow.kind.value,
        outcome=outcome,
        actor=actor,
    )
    if recorded is None:
        return RecordResult("unchanged", escrow_kind=escrow.kind.value, before=before, after=before)
    # A fighter's claim is theirs: its decline is not the escrow's failure to show the promoter.
    if recorded.newest and current.phase != SigningPhase.CLAIM:
        _mark_escrow(tx, escrow, recorded)
    return RecordResult(
        "recorded",
        escrow_kind=escrow.kind.value,
        before=before,
        after=recorded.status.value,
        failure_code=recorded.failure[0] if recorded.failure else None,
    )


async def record_outcome(
    tx: Tx, attempt: AttemptRow, outcome: PayloadOutcome, actor: Actor, *, wait: bool
) -> RecordResult:
    """`OutcomeRecorder`: lock the bout (or find it busy), then record."""
    locked = await lock_for(tx, attempt, wait=wait)
    if locked is None:
        return RecordResult("busy")
    assert locked.attempt is not None
    return record_locked(tx, locked.bout, locked.attempt, locked.newest, outcome, actor)


def _mark_escrow(tx: Tx, escrow: EscrowRow, recorded: Recorded) -> None:
    if recorded.failure is not None:
        escrow.failure_code, escrow.failure_reason = recorded.failure
    elif (
        recorded.status == SigningStatus.SIGNED
        and escrow.failure_code in signing_service.SIGNING_FAILURES
    ):
        escrow.failure_code = escrow.failure_reason = None
    else:
        return
    queries.save_escrow(tx, escrow)
