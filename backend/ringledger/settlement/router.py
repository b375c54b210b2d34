"""Lifecycle routes of a bout: escrow creation, result, payouts, withdrawal (paths fixed by the
operations runbook)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from starlette.responses import Response

from ringledger.bouts import views
from ringledger.bouts.deps import (
    AdminBout,
    BoutAccess,
    EscrowConfirmAccess,
    FighterBout,
    OwnedBout,
    PayoutConfirmAccess,
)
from ringledger.bouts.models import EscrowKind
from ringledger.bouts.schemas import BoutView
from ringledger.core.context import add_log_fields
from ringledger.core.deps import settings_of
from ringledger.core.json_body import api_router
from ringledger.core.openapi import errors
from ringledger.core.responses import json_response
from ringledger.idempotency.service import (
    ESCROW_CONFIRM,
    KEY_PARAMETER,
    PAYOUT_CONFIRM,
    run_once,
)
from ringledger.ledger.deps import ledger_of
from ringledger.settlement import claims, creation, payouts, reconcile, result, withdraw
from ringledger.settlement.schemas import (
    ClaimOut,
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
from ringledger.signing.deps import signing_of
from ringledger.signing.models import SigningPhase

router = api_router(prefix="/bouts/{bout_id}", tags=["lifecycle"])
_PREPARE_ERRORS = errors(401, 403, 404, 409, 422, 502)
_RECONCILE_ERRORS = errors(400, 401, 403, 404, 409, 422, 502)
_CONFIRM_ERRORS = errors(400, 401, 403, 404, 409, 422, 502)


def _log_request(body: ReconcileRequest | EscrowConfirmRequest | PayoutConfirmRequest) -> None:
    """Name the escrow (and sign request) on the access line, from the validated body."""
    # Only a reconcile names a sign request (a missing attribute of a pydantic model is an
    # exception raised and caught: too dear for every confirm).
    payload_id = body.payload_id if isinstance(body, ReconcileRequest) else None
    add_log_fields(escrow_kind=body.escrow_kind.value, payload_id=payload_id)


# The two phases' prepare and confirm (`creation`, `payouts`) take the same arguments; the routes
# differ in their paths, bodies and answers, which the OpenAPI document shows.
PhasePrepare = Callable[..., Awaitable[dict[str, Any]]]
PhaseConfirm = Callable[..., Awaitable[dict[str, Any]]]


async def _prepare(prepare: PhasePrepare, access: BoutAccess, request: Request) -> Response:
    async with access.unit.transaction() as tx:
        prepared = await prepare(
            tx,
            bout_id=access.bout_id,
            actor=access.actor,
            signing=signing_of(request),
            settings=settings_of(request),
        )
    return json_response(prepared)


async def _confirm(
    operation: str,
    confirm: PhaseConfirm,
    access: BoutAccess,
    body: EscrowConfirmRequest | PayoutConfirmRequest,
    request: Request,
) -> Response:
    """Run the confirm once per Idempotency-Key; a replay is marked as one."""
    _log_request(body)
    ledger, settings = ledger_of(request), settings_of(request)
    outcome, replayed = await run_once(
        access.unit,
        operation=operation,
        bout_id=access.bout_id,
        key=access.key,
        request=body.model_dump(mode="json"),
        stored=access.stored,
        execute=lambda tx: confirm(
            tx,
            bout_id=access.bout_id,
            request=body,
            actor=access.actor,
            ledger=ledger,
            settings=settings,
        ),
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(
        content=outcome.body,
        status_code=outcome.status,
        media_type="application/json",
        headers=headers,
    )


@router.post(
    "/escrows/prepare",
    operation_id="prepareEscrows",
    response_model=EscrowPrepareOut,
    responses=_PREPARE_ERRORS,
)
async def prepare_escrows(access: OwnedBout, request: Request) -> Response:
    """Unsigned EscrowCreates and sign requests for every escrow still planned."""
    checked = functools.partial(creation.prepare, ledger=ledger_of(request))
    return await _prepare(checked, access, request)


@router.post(
    "/escrows/signing/reconcile",
    operation_id="reconcileEscrowSigning",
    response_model=ReconcileOut,
    responses=_RECONCILE_ERRORS,
)
async def reconcile_escrow_signing(
    body: ReconcileRequest, access: OwnedBout, request: Request
) -> Response:
    """Record what became of an escrow-create sign request."""
    return await _reconcile(SigningPhase.ESCROW_CREATE, body, access, request)


@router.post(
    "/escrows/confirm",
    operation_id="confirmEscrow",
    response_model=EscrowConfirmOut,
    responses=_CONFIRM_ERRORS,
    openapi_extra=KEY_PARAMETER,
)
async def confirm_escrow(
    access: EscrowConfirmAccess, body: EscrowConfirmRequest, request: Request
) -> Response:
    """Confirm one EscrowCreate on validated ledger evidence (idempotent per key)."""
    return await _confirm(ESCROW_CONFIRM, creation.confirm, access, body, request)


@router.post(
    "/escrows/{escrow_kind}/claim",
    operation_id="claimShowPurse",
    response_model=ClaimOut,
    responses=errors(401, 403, 404, 409, 422, 502),
)
async def claim_show_purse(
    escrow_kind: EscrowKind, access: FighterBout, request: Request
) -> Response:
    """A sign request for the fighter's own EscrowFinish of their show escrow (once FinishAfter
    has passed; only that fighter's address may sign it)."""
    async with access.unit.transaction() as tx:
        answer = await claims.claim(
            tx,
            user=access.user,
            bout=access.seen,
            kind=escrow_kind,
            actor=access.actor,
            signing=signing_of(request),
            settings=settings_of(request),
        )
    return json_response(answer)


@router.post(
    "/result",
    operation_id="enterResult",
    response_model=ResultOut,
    responses=errors(401, 403, 404, 409, 422),
)
async def enter_result(body: ResultRequest, access: AdminBout) -> Response:
    """Enter the outcome: a winner, a draw or a no contest (admin; once, after the event)."""
    async with access.unit.transaction() as tx:
        answer = await result.enter_result(
            tx, bout_id=access.bout_id, outcome=body.result, actor=access.actor
        )
    return json_response(answer)


@router.post(
    "/withdraw",
    operation_id="withdrawBout",
    response_model=BoutView,
    responses=errors(401, 403, 404, 409, 422, 502),
)
async def withdraw_bout(access: OwnedBout, request: Request) -> Response:
    """Withdraw a draft bout that never locked money, with its open sign requests."""
    async with access.unit.transaction() as tx:
        withdrawn = await withdraw.withdraw(
            tx, bout_id=access.bout_id, actor=access.actor, signing=signing_of(request)
        )
        view = await views.render(tx.conn, withdrawn)
    return json_response(view)


@router.post(
    "/payouts/prepare",
    operation_id="preparePayouts",
    response_model=PayoutPrepareOut,
    responses=_PREPARE_ERRORS,
)
async def prepare_payouts(access: OwnedBout, request: Request) -> Response:
    """Unsigned EscrowFinish/EscrowCancel and sign requests for every escrow still created."""
    return await _prepare(payouts.prepare, access, request)


@router.post(
    "/payouts/signing/reconcile",
    operation_id="reconcilePayoutSigning",
    response_model=ReconcileOut,
    responses=_RECONCILE_ERRORS,
)
async def reconcile_payout_signing(
    body: ReconcileRequest, access: OwnedBout, request: Request
) -> Response:
    """Record what became of a payout sign request."""
    return await _reconcile(SigningPhase.PAYOUT, body, access, request)


async def _reconcile(
    phase: SigningPhase, body: ReconcileRequest, access: BoutAccess, request: Request
) -> Response:
    _log_request(body)
    async with access.unit.transaction() as tx:
        answer = await reconcile.reconcile(
            tx,
            bout_id=access.bout_id,
            phase=phase,
            request=body,
            actor=access.actor,
            signing=signing_of(request),
        )
    return json_response(answer)


@router.post(
    "/payouts/confirm",
    operation_id="confirmPayout",
    response_model=PayoutConfirmOut,
    responses=_CONFIRM_ERRORS,
    openapi_extra=KEY_PARAMETER,
)
async def confirm_payout(
    access: PayoutConfirmAccess, body: PayoutConfirmRequest, request: Request
) -> Response:
    """Confirm one EscrowFinish/EscrowCancel on validated ledger evidence (idempotent per key)."""
    return await _confirm(PAYOUT_CONFIRM, payouts.confirm, access, body, request)
