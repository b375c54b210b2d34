"""/bouts: create, list and read bouts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from ringledger.bouts import service, views
from ringledger.bouts.deps import VisibleBout
from ringledger.bouts.models import BoutStatus
from ringledger.bouts.schemas import BoutPage, BoutView, CreateBoutRequest
from ringledger.core.deps import CurrentUser, Promoter, SessionDep, SettingsDep
from ringledger.core.openapi import errors

router = APIRouter(prefix="/bouts", tags=["bouts"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createBout",
    responses=errors(401, 403, 422),
)
async def create_bout(
    body: CreateBoutRequest,
    request: Request,
    promoter: Promoter,
    session: SessionDep,
    settings: SettingsDep,
) -> BoutView:
    """Create a bout in draft with its four planned escrows."""
    bout = await service.create_bout(
        session,
        promoter=promoter,
        request=body,
        cipher=settings.preimage_cipher,
        signing_window=settings.RINGLEDGER_MIN_SIGNING_WINDOW,
    )
    return views.bout_view(bout, {})


@router.get("", operation_id="listBouts", responses=errors(400, 401, 422))
async def list_bouts(
    user: CurrentUser,
    session: SessionDep,
    status: Annotated[BoutStatus | None, Query(description="Only bouts in this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> BoutPage:
    """Bouts the caller may see, newest first, a page at a time."""
    page, next_cursor = await service.list_visible(
        session, user=user, status=status, limit=limit, cursor=cursor
    )
    signing = await views.latest_signing(session, bout_ids=[bout.id for bout in page])
    return BoutPage(
        items=[views.bout_view(bout, signing) for bout in page], next_cursor=next_cursor
    )


@router.get("/{bout_id}", operation_id="getBout", responses=errors(401, 404, 422))
async def get_bout(bout: VisibleBout, session: SessionDep) -> BoutView:
    """One bout, if the caller may see it."""
    return await views.render(session, bout)
