"""The two lifecycles as data, and the one function that moves along them.

Every move goes through `move()`: it checks the table, applies the status, counts the metric
and writes the audit row in the caller's transaction. A move the table does not allow writes a
`rejected` audit row and raises `StateConflict` (whose audit row is kept: `keep_changes`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts.models import Bout, BoutStatus, Escrow, EscrowStatus
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


async def reject(
    session: AsyncSession,
    *,
    bout: Bout,
    actor: Actor,
    action: str,
    detail: str,
    entity: Bout | Escrow | None = None,
    details: dict[str, Any] | None = None,
) -> StateConflict:
    """Audit a refused operation and return the 409 to raise (its audit row survives)."""
    target = entity if entity is not None else bout
    entity_type = "escrow" if isinstance(target, Escrow) else "bout"
    facts = {"bout_status": bout.status.value, **(details or {})}
    if isinstance(target, Escrow):
        facts.update(escrow_kind=target.kind.value, escrow_status=target.status.value)
    await audit.record(
        session,
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


async def transition(
    session: AsyncSession,
    *,
    bout: Bout,
    entity: Bout | Escrow,
    to: BoutStatus | EscrowStatus,
    actor: Actor,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Move a bout or one of its escrows along its table: apply, count, audit; or 409 + audit."""
    table: dict[Any, frozenset[Any]] = (
        ESCROW_TRANSITIONS if isinstance(entity, Escrow) else BOUT_TRANSITIONS
    )
    current = entity.status
    if not allowed(table, current, to):
        name = f"The {entity.kind.value} escrow" if isinstance(entity, Escrow) else "A bout"
        raise await reject(
            session,
            bout=bout,
            entity=entity,
            actor=actor,
            action=action,
            detail=f"{name} cannot go from {current.value} to {to.value}.",
            details={"requested_status": to.value},
        )
    entity.status = to  # type: ignore[assignment]
    entity_type = "escrow" if isinstance(entity, Escrow) else "bout"
    facts: dict[str, Any] = {"from": current.value, "to": to.value, **(details or {})}
    if isinstance(entity, Escrow):
        facts["escrow_kind"] = entity.kind.value
    TRANSITIONS.labels(entity_type, current.value, to.value).inc()
    await audit.record(
        session,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity.id,
        bout_id=bout.id,
        outcome="applied",
        details=facts,
    )


async def move_bout(
    session: AsyncSession,
    *,
    bout: Bout,
    to: BoutStatus,
    actor: Actor,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the bout along BOUT_TRANSITIONS (409 + audit otherwise)."""
    await transition(
        session, bout=bout, entity=bout, to=to, actor=actor, action=action, details=details
    )


async def move_escrow(
    session: AsyncSession,
    *,
    bout: Bout,
    escrow: Escrow,
    to: EscrowStatus,
    actor: Actor,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Move one escrow along ESCROW_TRANSITIONS (409 + audit otherwise)."""
    await transition(
        session, bout=bout, entity=escrow, to=to, actor=actor, action=action, details=details
    )
