"""/bouts: create, list and read bouts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, status
from starlette.responses import Response

from ringledger.auth.deps import AnyCaller, Promoter
from ringledger.bouts import service, views
from ringledger.bouts.deps import VisibleBout
from ringledger.bouts.models import BoutStatus
from ringledger.bouts.schemas import BoutPage, BoutView, CreateBoutRequest
from ringledger.core.deps import settings_of
from ringledger.core.json_body import api_router
from ringledger.core.openapi import errors
from ringledger.core.responses import json_response

router = api_router(prefix="/bouts", tags=["bouts"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createBout",
    response_model=BoutView,
    responses=errors(401, 403, 422),
)
async def create_bout(body: CreateBoutRequest, caller: Promoter, request: Request) -> Response:
    """Create a bout in draft with its four planned escrows."""
    settings = settings_of(request)
    async with caller.unit.transaction() as tx:
        bout = await service.create_bout(
            tx,
            promoter=caller.user,
            request=body,
            cipher=settings.preimage_cipher,
            rules=service.BoutRules.from_settings(settings),
        )
    view = views.bout_view(bout, [(escrow, None) for escrow in bout.escrows])
    return json_response(view, status.HTTP_201_CREATED)


@router.get("", operation_id="listBouts", response_model=BoutPage, responses=errors(400, 401, 422))
async def list_bouts(
    caller: AnyCaller,
    status: Annotated[BoutStatus | None, Query(description="Only bouts in this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Bouts the caller may see, newest first, a page at a time."""
    conn = caller.unit.conn
    page, next_cursor = await service.list_visible(
        conn, user=caller.user, status=status, limit=limit, cursor=cursor
    )
    items = await views.render_page(conn, page)
    return json_response({"items": items, "next_cursor": next_cursor})


@router.get(
    "/{bout_id}", operation_id="getBout", response_model=BoutView, responses=errors(401, 404, 422)
)
async def get_bout(access: VisibleBout) -> Response:
    """One bout, if the caller may see it."""
    return json_response(await views.render(access.unit.conn, access.seen))
