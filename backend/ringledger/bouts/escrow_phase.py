"""Escrow creation: prepare the EscrowCreates, reconcile signing, confirm on ledger evidence."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle, plan, transactions
from ringledger.bouts.confirm import hold_signing_lock, lock_bout, observe, refuse_bad_evidence
from ringledger.bouts.flow_schemas import (
    EscrowConfirmOut,
    EscrowConfirmRequest,
    EscrowPrepareOut,
    PreparedEscrow,
    SignRequestOut,
)
from ringledger.bouts.models import Bout, BoutStatus, Escrow, EscrowStatus
from ringledger.core.config import Settings
from ringledger.core.timeutil import iso_utc, utcnow
from ringledger.ledger import evidence
from ringledger.ledger.interface import LedgerTx, LedgerVerifier
from ringledger.signing import service as signing_service
from ringledger.signing.interface import SigningService, SigningUnavailable, SignRequest
from ringledger.signing.models import SigningPhase

PREPARE = "escrows.prepare"
CONFIRM = "escrow.confirm_create"


def sign_request_out(request: SignRequest) -> SignRequestOut:
    return SignRequestOut(
        payload_id=request.payload_id,
        deep_link_url=request.deep_link_url,
        qr_png_url=request.qr_png_url,
        websocket_status_url=request.websocket_status_url,
        expires_at=iso_utc(request.expires_at) or "",
        mode=request.mode,  # type: ignore[arg-type]
    )


def _instruction(escrow: Escrow) -> str:
    purpose = "bonus" if escrow.kind.is_bonus else "show money"
    xrp = f"{escrow.amount_drops // 1_000_000}.{escrow.amount_drops % 1_000_000:06d}".rstrip("0")
    return (
        f"RingLedger: lock fighter {escrow.kind.corner.value}'s {purpose} "
        f"({xrp.rstrip('.')} XRP) in escrow."
    )


async def prepare(
    session: AsyncSession,
    *,
    bout: Bout,
    actor: Actor,
    signing: SigningService,
    settings: Settings,
) -> EscrowPrepareOut:
    """Sign requests for every escrow still planned; 409 unless draft, 422 if too late."""
    bout = await hold_signing_lock(session, bout.id)
    if bout.status != BoutStatus.DRAFT:
        raise await lifecycle.reject(
            session,
            bout=bout,
            actor=actor,
            action=PREPARE,
            detail=f"Escrows can be prepared only in draft; the bout is {bout.status.value}.",
        )
    now = utcnow()
    window = settings.RINGLEDGER_MIN_SIGNING_WINDOW
    plan.require_signing_window(bout.finish_after_at, now=now, window=window)
    drafts = [
        signing_service.Draft(escrow, transactions.escrow_create(escrow), _instruction(escrow))
        for escrow in bout.escrows
        if escrow.status == EscrowStatus.PLANNED
    ]
    # The EscrowCreate must be validated before FinishAfter: never let a request outlive that.
    minutes_left = int((bout.finish_after_at - now).total_seconds() // 60)
    expire = max(1, min(settings.XAMAN_PAYLOAD_EXPIRE_MINUTES, minutes_left))
    issued = await issue_or_audit(
        session, signing, bout=bout, drafts=drafts, expire=expire, actor=actor, action=PREPARE
    )
    await signing_service.record_attempts(
        session, bout=bout, phase=SigningPhase.ESCROW_CREATE, issued=issued, actor=actor
    )
    await signing_service.supersede_open(
        session,
        signing,
        escrow_ids=[draft.escrow.id for draft in drafts],
        keep={request.payload_id for _, request, _ in issued},
    )
    return EscrowPrepareOut(
        bout_id=bout.id,
        escrows=[
            PreparedEscrow(
                escrow_id=draft.escrow.id,
                escrow_kind=draft.escrow.kind,
                unsigned_tx=draft.txjson,
                xaman_sign_request=sign_request_out(request),
            )
            for draft, request, _ in issued
        ],
    )


async def issue_or_audit(
    session: AsyncSession,
    signing: SigningService,
    *,
    bout: Bout,
    drafts: list[signing_service.Draft],
    expire: int,
    actor: Actor,
    action: str,
) -> list[tuple[signing_service.Draft, SignRequest, str]]:
    """Issue the sign requests (under `hold_signing_lock`); on a Xaman failure keep only an
    audit row and answer 502."""
    try:
        return await signing_service.issue(signing, drafts=drafts, expire_minutes=expire)
    except SigningUnavailable as error:
        await audit.record(
            session,
            actor=actor,
            action=action,
            entity_type="bout",
            entity_id=bout.id,
            bout_id=bout.id,
            outcome="xaman_unavailable",
            details={"reason": error.detail, "mode": signing.mode},
        )
        error.keep_changes = True
        raise


def claimed_create(request: EscrowConfirmRequest) -> LedgerTx:
    """The request's evidence in the ledger's shape (the stub ledger's answer)."""
    return LedgerTx(
        tx_hash=request.tx_hash.upper(),
        validated=request.validated,
        engine_result=request.engine_result,
        account=request.owner_address,
        destination=request.destination_address,
        amount_drops=request.amount_drops,
        finish_after=request.finish_after_ripple,
        cancel_after=request.cancel_after_ripple,
        condition_hex=request.condition_hex,
        sequence=request.offer_sequence,
    )


async def confirm(
    session: AsyncSession,
    *,
    bout_id: uuid.UUID,
    request: EscrowConfirmRequest,
    actor: Actor,
    ledger: LedgerVerifier,
) -> dict[str, Any]:
    """Move one escrow planned → created on validated evidence (and the bout, with the 4th)."""
    claimed = claimed_create(request)
    # The request names no transaction type: the route implies it. That is what the stub ledger
    # answers; it is not a claim of the client's to check against a real ledger.
    observed = await observe(ledger, claimed=replace(claimed, transaction_type="EscrowCreate"))
    bout = await lock_bout(session, bout_id)
    escrow = bout.escrow(request.escrow_kind)
    if bout.status != BoutStatus.DRAFT or escrow.status != EscrowStatus.PLANNED:
        raise await lifecycle.reject(
            session,
            bout=bout,
            entity=escrow,
            actor=actor,
            action=CONFIRM,
            detail=(
                f"The {escrow.kind.value} escrow is {escrow.status.value} and the bout "
                f"{bout.status.value}; only a planned escrow of a draft bout can be confirmed."
            ),
        )
    await refuse_bad_evidence(
        session,
        bout=bout,
        escrow=escrow,
        claimed=claimed,
        observed=observed,
        mismatch=evidence.create_failure(observed, escrow),
        actor=actor,
        action=CONFIRM,
    )
    assert observed.sequence is not None
    escrow.offer_sequence = observed.sequence
    escrow.create_tx_hash = claimed.tx_hash
    escrow.failure_code = escrow.failure_reason = None
    await lifecycle.move_escrow(
        session,
        bout=bout,
        escrow=escrow,
        to=EscrowStatus.CREATED,
        actor=actor,
        action=CONFIRM,
        details={"tx_hash": claimed.tx_hash, "offer_sequence": observed.sequence},
    )
    if all(item.status == EscrowStatus.CREATED for item in bout.escrows):
        await lifecycle.move_bout(
            session, bout=bout, to=BoutStatus.ESCROWS_CREATED, actor=actor, action=CONFIRM
        )
    return EscrowConfirmOut(
        bout_id=bout.id,
        escrow_id=escrow.id,
        escrow_kind=escrow.kind,
        escrow_status="created",
        bout_status=bout.status,
        tx_hash=claimed.tx_hash,
        offer_sequence=observed.sequence,
    ).model_dump(mode="json")
