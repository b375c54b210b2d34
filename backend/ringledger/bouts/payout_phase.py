"""Payouts: finish or cancel each escrow as the outcome's plan says (bouts.outcomes)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle, preimages, transactions
from ringledger.bouts.confirm import hold_signing_lock, lock_bout, observe, refuse_bad_evidence
from ringledger.bouts.escrow_phase import issue_or_audit, sign_request_out
from ringledger.bouts.flow_schemas import (
    PayoutConfirmOut,
    PayoutConfirmRequest,
    PayoutPrepareOut,
    PreparedPayout,
)
from ringledger.bouts.models import Bout, BoutStatus, Escrow, EscrowStatus
from ringledger.bouts.outcomes import PayoutPlan, plan_for, statuses_of
from ringledger.bouts.views import refund_pending
from ringledger.core.config import Settings
from ringledger.core.timeutil import from_ripple, iso_utc
from ringledger.ledger import evidence
from ringledger.ledger.evidence import PayoutAction
from ringledger.ledger.interface import LedgerTx, LedgerVerifier
from ringledger.signing import service as signing_service
from ringledger.signing.interface import SigningService
from ringledger.signing.models import SigningPhase

PREPARE = "payouts.prepare"
CONFIRM = "escrow.confirm_payout"
PAYING = frozenset({BoutStatus.RESULT_ENTERED, BoutStatus.PAYOUTS_IN_PROGRESS})


def plan_of(bout: Bout) -> PayoutPlan:
    assert bout.outcome is not None, "payouts exist only once a result is entered"
    return plan_for(bout.outcome)


async def winner_fulfillment(
    session: AsyncSession,
    *,
    bout: Bout,
    escrow: Escrow,
    settings: Settings,
    actor: Actor,
    action: str,
) -> str | None:
    """The platform's fulfillment, for a winner's bonus only (no other is ever revealed)."""
    if not plan_of(bout).reveals(escrow.kind):
        return None
    return await preimages.fulfillment(
        session,
        bout=bout,
        escrow=escrow,
        cipher=settings.preimage_cipher,
        actor=actor,
        action=action,
    )


def payouts_open(bout: Bout) -> bool:
    """Payouts may be prepared/confirmed while paying, or after close for the pending refund."""
    return bout.status in PAYING or (bout.status == BoutStatus.CLOSED and refund_pending(bout))


def _draft(
    bout: Bout, escrow: Escrow, settings: Settings, fulfillment: str | None
) -> tuple[signing_service.Draft, str]:
    action = plan_of(bout).action(escrow.kind)
    if action is PayoutAction.CANCEL:
        tx = transactions.escrow_cancel(escrow)
        assert escrow.cancel_after_ripple is not None
        not_before = escrow.cancel_after_ripple
        words = f"return fighter {escrow.kind.corner.value}'s bonus to the promoter"
    else:
        tx = transactions.escrow_finish(
            escrow, fulfillment_hex=fulfillment, base_fee_drops=settings.XRPL_BASE_FEE_DROPS
        )
        not_before = escrow.finish_after_ripple
        words = f"release the {escrow.kind.value.replace('_', ' ')} escrow to its fighter"
    return signing_service.Draft(escrow, tx, f"RingLedger: {words}."), iso_utc(
        from_ripple(not_before)
    ) or ""


async def prepare(
    session: AsyncSession,
    *,
    bout: Bout,
    actor: Actor,
    signing: SigningService,
    settings: Settings,
) -> PayoutPrepareOut:
    """Sign requests for every escrow still created (finish or cancel, as the outcome says)."""
    bout = await hold_signing_lock(session, bout.id)
    if not payouts_open(bout):
        raise await lifecycle.reject(
            session,
            bout=bout,
            actor=actor,
            action=PREPARE,
            detail=(
                "Payouts can be prepared after the result is entered (or, once closed, "
                f"while the loser's refund is pending); the bout is {bout.status.value}."
            ),
        )
    drafted = []
    for escrow in bout.escrows:
        if escrow.status != EscrowStatus.CREATED:
            continue
        fulfillment = await winner_fulfillment(
            session, bout=bout, escrow=escrow, settings=settings, actor=actor, action=PREPARE
        )
        drafted.append(_draft(bout, escrow, settings, fulfillment))
    drafts = [draft for draft, _ in drafted]
    issued = await issue_or_audit(
        session,
        signing,
        bout=bout,
        drafts=drafts,
        expire=settings.XAMAN_PAYLOAD_EXPIRE_MINUTES,
        actor=actor,
        action=PREPARE,
    )
    await signing_service.record_attempts(
        session, bout=bout, phase=SigningPhase.PAYOUT, issued=issued, actor=actor
    )
    await signing_service.supersede_open(
        session,
        signing,
        escrow_ids=[draft.escrow.id for draft in drafts],
        keep={request.payload_id for _, request, _ in issued},
    )
    plan = plan_of(bout)
    return PayoutPrepareOut(
        bout_id=bout.id,
        bout_status=bout.status,
        escrows=[
            PreparedPayout(
                escrow_id=draft.escrow.id,
                escrow_kind=draft.escrow.kind,
                action=plan.action(draft.escrow.kind).value,
                not_before_utc=not_before,
                unsigned_tx=draft.txjson,
                xaman_sign_request=sign_request_out(request),
            )
            for (draft, not_before), (_, request, _) in zip(drafted, issued, strict=True)
        ],
    )


def claimed_payout(request: PayoutConfirmRequest) -> LedgerTx:
    return LedgerTx(
        tx_hash=request.tx_hash.upper(),
        validated=request.validated,
        engine_result=request.engine_result,
        transaction_type=request.transaction_type,
        owner=request.owner_address,
        offer_sequence=request.offer_sequence,
        close_time=request.close_time_ripple,
        fulfillment_hex=request.fulfillment_hex,
    )


async def confirm(
    session: AsyncSession,
    *,
    bout_id: uuid.UUID,
    request: PayoutConfirmRequest,
    actor: Actor,
    ledger: LedgerVerifier,
    settings: Settings,
) -> dict[str, Any]:
    """Move one escrow created → finished/cancelled on validated evidence; close when paid."""
    claimed = claimed_payout(request)
    observed = await observe(ledger, claimed=claimed)
    bout = await lock_bout(session, bout_id)
    escrow = bout.escrow(request.escrow_kind)
    if not payouts_open(bout) or escrow.status != EscrowStatus.CREATED:
        raise await lifecycle.reject(
            session,
            bout=bout,
            entity=escrow,
            actor=actor,
            action=CONFIRM,
            detail=(
                f"The {escrow.kind.value} escrow is {escrow.status.value} and the bout "
                f"{bout.status.value}; it cannot be paid out now."
            ),
        )
    action = plan_of(bout).action(escrow.kind)
    fulfillment = await winner_fulfillment(
        session, bout=bout, escrow=escrow, settings=settings, actor=actor, action=CONFIRM
    )
    await refuse_bad_evidence(
        session,
        bout=bout,
        escrow=escrow,
        claimed=claimed,
        observed=observed,
        mismatch=evidence.payout_failure(
            observed, escrow, action=action, fulfillment_hex=fulfillment
        ),
        actor=actor,
        action=CONFIRM,
    )
    await _settle(session, bout=bout, escrow=escrow, action=action, actor=actor, tx=claimed.tx_hash)
    return PayoutConfirmOut(
        bout_id=bout.id,
        escrow_id=escrow.id,
        escrow_kind=escrow.kind,
        escrow_status=escrow.status.value,  # type: ignore[arg-type]
        bout_status=bout.status,
        tx_hash=claimed.tx_hash,
    ).model_dump(mode="json")


async def _settle(
    session: AsyncSession,
    *,
    bout: Bout,
    escrow: Escrow,
    action: PayoutAction,
    actor: Actor,
    tx: str,
) -> None:
    escrow.close_tx_hash = tx
    escrow.failure_code = escrow.failure_reason = None
    target = EscrowStatus.CANCELLED if action is PayoutAction.CANCEL else EscrowStatus.FINISHED
    await lifecycle.move_escrow(
        session,
        bout=bout,
        escrow=escrow,
        to=target,
        actor=actor,
        action=CONFIRM,
        details={"tx_hash": tx, "action": action.value},
    )
    if bout.status == BoutStatus.RESULT_ENTERED:
        await lifecycle.move_bout(
            session, bout=bout, to=BoutStatus.PAYOUTS_IN_PROGRESS, actor=actor, action=CONFIRM
        )
    paid_out = plan_of(bout).closes(statuses_of(bout.escrows))
    if bout.status == BoutStatus.PAYOUTS_IN_PROGRESS and paid_out:
        await lifecycle.move_bout(
            session, bout=bout, to=BoutStatus.CLOSED, actor=actor, action=CONFIRM
        )
