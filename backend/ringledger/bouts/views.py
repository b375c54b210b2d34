"""The bout view of API.md, built from rows (never exposes a preimage or fulfillment)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.bouts.models import Bout, Escrow
from ringledger.bouts.outcomes import plan_for, statuses_of
from ringledger.bouts.schemas import BoutView, EscrowView, SigningView
from ringledger.core.timeutil import iso_utc
from ringledger.signing.models import SigningAttempt


async def latest_signing(
    session: AsyncSession, *, bout_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, SigningAttempt]:
    """The newest signing attempt of every escrow of these bouts."""
    ids = list(bout_ids)
    if not ids:
        return {}
    rows = await session.scalars(
        select(SigningAttempt)
        .where(SigningAttempt.bout_id.in_(ids))
        .ext(distinct_on(SigningAttempt.escrow_id))
        .order_by(SigningAttempt.escrow_id, SigningAttempt.created_at.desc(), SigningAttempt.id)
    )
    return {attempt.escrow_id: attempt for attempt in rows}


def refund_pending(bout: Bout) -> bool:
    """A bonus the outcome returns to the promoter is still locked, waiting for CancelAfter."""
    if bout.outcome is None:
        return False
    return plan_for(bout.outcome).refund_pending(statuses_of(bout.escrows))


def escrow_view(escrow: Escrow, attempt: SigningAttempt | None) -> EscrowView:
    signing = None
    if attempt is not None:
        signing = SigningView(
            payload_id=attempt.payload_id,
            status=attempt.status.value,
            updated_at=iso_utc(attempt.updated_at) or "",
        )
    return EscrowView(
        escrow_id=escrow.id,
        escrow_kind=escrow.kind,
        status=escrow.status,
        owner_address=escrow.owner_address,
        destination_address=escrow.destination_address,
        amount_drops=escrow.amount_drops,
        finish_after_ripple=escrow.finish_after_ripple,
        cancel_after_ripple=escrow.cancel_after_ripple,
        condition_hex=escrow.condition_hex,
        offer_sequence=escrow.offer_sequence,
        create_tx_hash=escrow.create_tx_hash,
        close_tx_hash=escrow.close_tx_hash,
        failure_code=escrow.failure_code,
        failure_reason=escrow.failure_reason,
        signing=signing,
    )


def bout_view(bout: Bout, signing: dict[uuid.UUID, SigningAttempt]) -> BoutView:
    return BoutView(
        bout_id=bout.id,
        title=bout.title,
        status=bout.status,
        winner=bout.winner.value if bout.winner else None,
        outcome=bout.outcome.value if bout.outcome else None,
        event_datetime_utc=iso_utc(bout.event_at) or "",
        finish_after_utc=iso_utc(bout.finish_after_at) or "",
        cancel_after_utc=iso_utc(bout.cancel_after_at) or "",
        promoter_user_id=bout.promoter_user_id,
        fighter_a_user_id=bout.fighter_a_user_id,
        fighter_b_user_id=bout.fighter_b_user_id,
        promoter_xrpl_address=bout.promoter_xrpl_address,
        refund_pending=refund_pending(bout),
        created_at=iso_utc(bout.created_at) or "",
        updated_at=iso_utc(bout.updated_at) or "",
        escrows=[escrow_view(escrow, signing.get(escrow.id)) for escrow in bout.escrows],
    )


async def render(session: AsyncSession, bout: Bout) -> BoutView:
    """One bout's view with its latest signing attempts."""
    return bout_view(bout, await latest_signing(session, bout_ids=[bout.id]))
