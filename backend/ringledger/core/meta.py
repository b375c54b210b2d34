"""GET /meta: the public facts a client needs to drive the flow (modes, network, windows)."""

from __future__ import annotations

from typing import Literal

from fastapi import Request
from pydantic import BaseModel

from ringledger.core.deps import settings_of
from ringledger.core.json_body import api_router

router = api_router(tags=["health"])


class Meta(BaseModel):
    environment: Literal["local", "test", "production"]
    xaman_mode: Literal["stub", "api"]
    xrpl_mode: Literal["stub", "rpc"]
    xrpl_network: str
    min_signing_window_seconds: int
    xrpl_base_fee_drops: int


@router.get("/meta", operation_id="meta")
async def meta(request: Request) -> Meta:
    """Runtime modes, so the console knows whether to ask for full evidence or just a hash."""
    settings = settings_of(request)
    return Meta(
        environment=settings.RINGLEDGER_ENV,
        xaman_mode=settings.XAMAN_MODE,
        xrpl_mode=settings.XRPL_MODE,
        xrpl_network=settings.XRPL_NETWORK,
        min_signing_window_seconds=int(settings.RINGLEDGER_MIN_SIGNING_WINDOW.total_seconds()),
        xrpl_base_fee_drops=settings.XRPL_BASE_FEE_DROPS,
    )
