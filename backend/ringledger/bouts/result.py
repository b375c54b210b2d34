"""Result entry by an admin: once, after the event has started, with all escrows created."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle
from ringledger.bouts.confirm import lock_bout
from ringledger.bouts.flow_schemas import ResultOut
from ringledger.bouts.models import BoutStatus, Outcome
from ringledger.core.timeutil import iso_utc, utcnow

ACTION = "bout.enter_result"


async def enter_result(
    session: AsyncSession, *, bout_id: uuid.UUID, outcome: Outcome, actor: Actor
) -> ResultOut:
    """Record the outcome and move the bout to result_entered (409 + audit when not allowed)."""
    bout = await lock_bout(session, bout_id)
    requested = {"requested_outcome": outcome.value}
    if bout.status != BoutStatus.ESCROWS_CREATED:
        raise await lifecycle.reject(
            session,
            bout=bout,
            actor=actor,
            action=ACTION,
            detail=(
                "A result can be entered once, when all four escrows are created; "
                f"the bout is {bout.status.value}."
            ),
            details=requested,
        )
    if utcnow() < bout.event_at:
        raise await lifecycle.reject(
            session,
            bout=bout,
            actor=actor,
            action=ACTION,
            detail=f"The event has not started yet (it starts {iso_utc(bout.event_at)}).",
            details=requested,
        )
    bout.outcome = outcome
    winner = outcome.winner.value if outcome.winner else None
    await lifecycle.move_bout(
        session,
        bout=bout,
        to=BoutStatus.RESULT_ENTERED,
        actor=actor,
        action=ACTION,
        details={"outcome": outcome.value, "winner": winner},
    )
    return ResultOut.model_validate(
        {
            "bout_id": bout.id,
            "bout_status": bout.status.value,
            "winner": winner,
            "outcome": outcome.value,
        }
    )
