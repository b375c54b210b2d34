"""/tokens and /fighters/me/trust-lines: the tokens bouts may use, and whether a fighter's account
can receive them."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from ringledger.auth.deps import AnyCaller, Fighter, actor_of
from ringledger.core.deps import settings_of
from ringledger.core.json_body import api_router
from ringledger.core.openapi import errors
from ringledger.core.responses import json_response
from ringledger.issued import trust_lines
from ringledger.issued.schemas import (
    AllowedTokenOut,
    TrustLineOut,
    TrustLineRequest,
    TrustLineRequestOut,
)
from ringledger.ledger.deps import ledger_of
from ringledger.signing.deps import signing_of

router = api_router(tags=["tokens"])


@router.get("/tokens", operation_id="listTokens", responses=errors(401))
async def list_tokens(caller: AnyCaller, request: Request) -> list[AllowedTokenOut]:
    """The issued tokens bouts may be settled in (`[]`: XRP only)."""
    return [
        AllowedTokenOut(label=token.label, currency=token.currency, issuer=token.issuer)
        for token in settings_of(request).RINGLEDGER_TOKENS
    ]


@router.get(
    "/fighters/me/trust-lines",
    operation_id="listMyTrustLines",
    response_model=list[TrustLineOut],
    responses=errors(401, 403, 502),
)
async def list_my_trust_lines(caller: Fighter, request: Request) -> Response:
    """Per token of the caller's open bouts: can their account receive it?"""
    items = await trust_lines.readiness(
        caller.unit.conn, fighter_id=caller.user.id, ledger=ledger_of(request)
    )
    return json_response(items)


@router.post(
    "/fighters/me/trust-lines",
    operation_id="requestTrustLine",
    response_model=TrustLineRequestOut,
    responses=errors(401, 403, 404, 409, 422, 502),
)
async def request_trust_line(body: TrustLineRequest, caller: Fighter, request: Request) -> Response:
    """A TrustSet from the caller's profile address for the token, and a sign request only
    that address may sign."""
    async with caller.unit.transaction() as tx:
        prepared = await trust_lines.request_trust_line(
            tx,
            fighter_id=caller.user.id,
            label=body.label,
            actor=actor_of(caller.user),
            settings=settings_of(request),
            ledger=ledger_of(request),
            signing=signing_of(request),
        )
    return json_response(prepared)
