"""The two lifecycles as data, and the one function that moves along them.

Every move goes through `transition()`: it checks the table, applies and stores the status,
counts the metric and writes the audit row in the caller's transaction. A move the table does
not allow writes a `rejected` audit row and raises `StateConflict` (whose audit row is kept:
`keep_changes`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts import queries
from ringledger.bouts.models import BoutStatus, EscrowStatus
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.core.db import Tx
from ringledger.core.errors import StateConflict
from ringledger.core.metrics import TRANSITIONS

BOUT_TRANSITIONS: dict[BoutStatus, frozenset[BoutStatus]] = {
    BoutStatus.DRAFT: frozenset({BoutStatus.ESCROWS_CREATED, BoutStatus.WITHDRAWN}),
    BoutStatus.ESCROWS_CREATED: frozenset({BoutStatus.RESULT_ENTERED}),
    BoutStatus.RESULT_ENTERED: frozenset({BoutStatus.PAYOUTS_IN_PROGRESS}),
    BoutStatus.PAYOUTS_IN_PROGRESS: frozenset({BoutStatus.CLOSED}),
    BoutStatus.CLOSED: frozenset(),
    BoutStatus.WITHDRAWN: frozenset(),
}

ESCROW_TRANSITIONS: dict[EscrowStatus, frozenset[EscrowStatus]] = {
    EscrowStatus.PLANNED: frozenset({EscrowStatus.CREATED}),
    EscrowStatus.CREATED: frozenset({EscrowStatus.FINISHED, EscrowStatus.CANCELLED}),
    EscrowStatus.FINISHED: frozenset(),
    EscrowStatus.CANCELLED: frozenset(),
    EscrowStatus.FAILED: frozenset(),
}

S = TypeVar("S", BoutStatus, EscrowStatus)


def allowed(table: dict[S, frozenset[S]], current: S, target: S) -> bool:
    return target in table[current]


def reject(
    tx: Tx,
    *,
    bout: BoutRow,
    actor: Actor,
    action: str,
    detail: str,
    entity: BoutRow | EscrowRow | None = None,
    details: dict[str, Any] | None = None,
) -> StateConflict:
    """Audit a refused operation and return the 409 to raise (its audit row survives)."""
    target = entity if entity is not None else bout
    entity_type = "escrow" if isinstance(target, EscrowRow) else "bout"
    facts = {"bout_status": bout.status.value, **(details or {})}
    if isinstance(target, EscrowRow):
        facts.update(escrow_kind=target.kind.value, escrow_status=target.status.value)
    audit.record(
        tx,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=target.id,
        bout_id=bout.id,
        outcome="rejected",
        failure_code="state_conflict",
        details={"reason": detail, **facts},
    )
    return StateConflict(detail, **facts)


def transition(
    tx: Tx,
    *,
    bout: BoutRow,
    entity: BoutRow | EscrowRow,
    to: BoutStatus | EscrowStatus,
    actor: Actor,
    action: str,
    details: dict[str, Any] | None = None,
    outcome: str = "applied",
) -> None:
    """Move a bout or one of its escrows along its table: apply, store, count, audit; or 409
    and audit. Whatever else changed on the row (ledger references, the outcome) is stored
    with the move. `outcome` is the audit row's: `anomaly` for a move the ledger made that the
    bout's outcome did not allow."""
    table: dict[Any, frozenset[Any]] = (
        ESCROW_TRANSITIONS if isinstance(entity, EscrowRow) else BOUT_TRANSITIONS
    )
    current = entity.status
    if not allowed(table, current, to):
        name = f"The {entity.kind.value} escrow" if isinstance(entity, EscrowRow) else "A bout"
        raise reject(
            tx,
            bout=bout,
            entity=entity,
            actor=actor,
            action=action,
            detail=f"{name} cannot go from {current.value} to {to.value}.",
            details={"requested_status": to.value},
        )
    facts: dict[str, Any] = {"from": current.value, "to": to.value, **(details or {})}
    if isinstance(entity, EscrowRow):
        assert isinstance(to, EscrowStatus)
        entity.status = to
        facts["escrow_kind"] = entity.kind.value
        queries.save_escrow(tx, entity)
    else:
        assert isinstance(to, BoutStatus)
        entity.status = to
        queries.save_bout(tx, entity)
    entity_type = "escrow" if isinstance(entity, EscrowRow) else "bout"
    TRANSITIONS.labels(entity_type, current.value, to.value).inc()
    audit.record(
        tx,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity.id,
        bout_id=bout.id,
        outcome=outcome,
        details=facts,
    )


def move_bout(
    tx: Tx,
    *,
    bout: BoutRow,
    to: BoutStatus,
    actor: Actor,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the bout along BOUT_TRANSITIONS (409 + audit otherwise)."""
    transition(tx, bout=bout, entity=bout, to=to, actor=actor, action=action, details=details)


def move_escrow(
    tx: Tx,
    *,
    bout: BoutRow,
    escrow: EscrowRow,
    to: EscrowStatus,
    actor: Actor,
    action: str,
    details: dict[str, Any] | None = None,
    outcome: str = "applied",
) -> None:
    """Move one escrow along ESCROW_TRANSITIONS (409 + audit otherwise)."""
    transition(
        tx,
        bout=bout,
        entity=escrow,
        to=to,
        actor=actor,
        action=action,
        details=details,
        outcome=outcome,
    )
