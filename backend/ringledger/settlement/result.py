"""Result entry by an admin: once, after the event has started, with all escrows created."""

from __future__ import annotations

import uuid
from typing import Any

from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle, queries
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.models import BoutStatus, Outcome
from ringledger.core.db import Tx
from ringledger.core.timeutil import iso_utc, utcnow
from ringledger.settlement import closing

ACTION = "bout.enter_result"


async def enter_result(
    tx: Tx, *, bout_id: uuid.UUID, outcome: Outcome, actor: Actor
) -> dict[str, Any]:
    """Record the outcome and move the bout to result_entered (409 + audit when not allowed)."""
    locked = await queries.lock_bout(tx, bout_id)
    if locked is None:
        raise BoutNotFound("No such bout.")
    bout = locked.bout
    requested = {"requested_outcome": outcome.value}
    if bout.status != BoutStatus.ESCROWS_CREATED:
        raise lifecycle.reject(
            tx,
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
        raise lifecycle.reject(
            tx,
            bout=bout,
            actor=actor,
            action=ACTION,
            detail=f"The event has not started yet (it starts {iso_utc(bout.event_at)}).",
            details=requested,
        )
    bout.outcome = outcome
    winner = outcome.winner.value if outcome.winner else None
    lifecycle.move_bout(
        tx,
        bout=bout,
        to=BoutStatus.RESULT_ENTERED,
        actor=actor,
        action=ACTION,
        details={"outcome": outcome.value, "winner": winner},
    )
    # A fighter may have claimed a show purse already (rpc mode, the watch recorded it): the
    # bout is then paying, or even paid.
    closing.advance(tx, bout=bout, actor=actor, action=ACTION)
    return {
        "bout_id": str(bout.id),
        "bout_status": bout.status.value,
        "winner": winner,
        "outcome": outcome.value,
    }
