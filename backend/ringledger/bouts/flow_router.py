"""Lifecycle routes of a bout: escrow creation, result, payouts (API.md; paths fixed by runbook)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from ringledger.bouts import escrow_phase, payout_phase, reconcile, result, views, withdraw
from ringledger.bouts.confirm import idempotent
from ringledger.bouts.deps import AdminBout, OwnedBout, OwnedBoutId
from ringledger.bouts.flow_schemas import (
    EscrowConfirmOut,
    EscrowConfirmRequest,
    EscrowPrepareOut,
    PayoutConfirmOut,
    PayoutConfirmRequest,
    PayoutPrepareOut,
    ReconcileOut,
    ReconcileRequest,
    ResultOut,
    ResultRequest,
)
from ringledger.bouts.schemas import BoutView
from ringledger.core.context import add_log_fields
from ringledger.core.deps import Admin, Promoter, SessionDep, SettingsDep, actor_of
from ringledger.core.openapi import errors
from ringledger.idempotency.service import Outcome, idempotency_key
from ringledger.signing.models import SigningPhase

router = APIRouter(prefix="/bouts/{bout_id}", tags=["lifecycle"])
IdempotencyKey = Annotated[str, Depends(idempotency_key)]
_PREPARE_ERRORS = errors(401, 403, 404, 409, 422, 502)
_RECONCILE_ERRORS = errors(400, 401, 403, 404, 422, 502)
_CONFIRM_ERRORS = errors(400, 401, 403, 404, 409, 422, 502)


def _log_request(body: ReconcileRequest | EscrowConfirmRequest | PayoutConfirmRequest) -> None:
    """Name the escrow (and sign request) on the access line, from the validated body."""
    add_log_fields(escrow_kind=body.escrow_kind.value, payload_id=getattr(body, "payload_id", None))


def _replayable(outcome: Outcome, replayed: bool) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(
        content=outcome.body,
        status_code=outcome.status,
        media_type="application/json",
        headers=headers,
    )


@router.post("/escrows/prepare", operation_id="prepareEscrows", responses=_PREPARE_ERRORS)
async def prepare_escrows(
    bout: OwnedBout, user: Promoter, request: Request, session: SessionDep, settings: SettingsDep
) -> EscrowPrepareOut:
    """Unsigned EscrowCreates and sign requests for every escrow still planned."""
    return await escrow_phase.prepare(
        session,
        bout=bout,
        actor=actor_of(user),
        signing=request.app.state.signing,
        settings=settings,
    )


@router.post(
    "/escrows/signing/reconcile", operation_id="reconcileEscrowSigning", responses=_RECONCILE_ERRORS
)
async def reconcile_escrow_signing(
    body: ReconcileRequest, bout: OwnedBout, user: Promoter, request: Request, session: SessionDep
) -> ReconcileOut:
    """Record what became of an escrow-create sign request."""
    _log_request(body)
    return await reconcile.reconcile(
        session,
        bout=bout,
        phase=SigningPhase.ESCROW_CREATE,
        request=body,
        actor=actor_of(user),
        signing=request.app.state.signing,
    )


@router.post(
    "/escrows/confirm",
    operation_id="confirmEscrow",
    response_model=EscrowConfirmOut,
    responses=_CONFIRM_ERRORS,
)
async def confirm_escrow(
    bout_id: OwnedBoutId,
    user: Promoter,
    key: IdempotencyKey,
    body: EscrowConfirmRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Confirm one EscrowCreate on validated ledger evidence (idempotent per key)."""
    _log_request(body)
    actor = actor_of(user)
    outcome, replayed = await idempotent(
        session,
        operation="escrow_confirm",
        bout_id=bout_id,
        key=key,
        request=body,
        execute=lambda: escrow_phase.confirm(
            session, bout_id=bout_id, request=body, actor=actor, ledger=request.app.state.ledger
        ),
    )
    return _replayable(outcome, replayed)


@router.post("/result", operation_id="enterResult", responses=errors(401, 403, 404, 409, 422))
async def enter_result(
    body: ResultRequest, bout: AdminBout, user: Admin, session: SessionDep
) -> ResultOut:
    """Enter the outcome: a winner, a draw or a no contest (admin; once, after the event)."""
    return await result.enter_result(
        session, bout_id=bout.id, outcome=body.result, actor=actor_of(user)
    )


@router.post(
    "/withdraw", operation_id="withdrawBout", responses=errors(401, 403, 404, 409, 422, 502)
)
async def withdraw_bout(
    bout: OwnedBout, user: Promoter, request: Request, session: SessionDep
) -> BoutView:
    """Withdraw a draft bout that never locked money, with its open sign requests."""
    withdrawn = await withdraw.withdraw(
        session, bout=bout, actor=actor_of(user), signing=request.app.state.signing
    )
    return await views.render(session, withdrawn)


@router.post("/payouts/prepare", operation_id="preparePayouts", responses=_PREPARE_ERRORS)
async def prepare_payouts(
    bout: OwnedBout, user: Promoter, request: Request, session: SessionDep, settings: SettingsDep
) -> PayoutPrepareOut:
    """Unsigned EscrowFinish/EscrowCancel and sign requests for every escrow still created."""
    return await payout_phase.prepare(
        session,
        bout=bout,
        actor=actor_of(user),
        signing=request.app.state.signing,
        settings=settings,
    )


@router.post(
    "/payouts/signing/reconcile", operation_id="reconcilePayoutSigning", responses=_RECONCILE_ERRORS
)
async def reconcile_payout_signing(
    body: ReconcileRequest, bout: OwnedBout, user: Promoter, request: Request, session: SessionDep
) -> ReconcileOut:
    """Record what became of a payout sign request."""
    _log_request(body)
    return await reconcile.reconcile(
        session,
        bout=bout,
        phase=SigningPhase.PAYOUT,
        request=body,
        actor=actor_of(user),
        signing=request.app.state.signing,
    )


@router.post(
    "/payouts/confirm",
    operation_id="confirmPayout",
    response_model=PayoutConfirmOut,
    responses=_CONFIRM_ERRORS,
)
async def confirm_payout(
    bout_id: OwnedBoutId,
    user: Promoter,
    key: IdempotencyKey,
    body: PayoutConfirmRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Confirm one EscrowFinish/EscrowCancel on validated ledger evidence (idempotent per key)."""
    _log_request(body)
    actor = actor_of(user)
    outcome, replayed = await idempotent(
        session,
        operation="payout_confirm",
        bout_id=bout_id,
        key=key,
        request=body,
        execute=lambda: payout_phase.confirm(
            session,
            bout_id=bout_id,
            request=body,
            actor=actor,
            ledger=request.app.state.ledger,
            settings=settings,
        ),
    )
    return _replayable(outcome, replayed)
