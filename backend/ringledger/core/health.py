"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from ringledger.core.deps import LEDGER_READINESS, MIGRATION_HEAD, database_of, settings_of
from ringledger.core.draining import DRAIN
from ringledger.core.errors import NotReady, UpstreamUnavailable
from ringledger.core.json_body import api_router
from ringledger.core.metrics import exposition
from ringledger.core.openapi import errors

router = api_router(tags=["health"])
READY_TIMEOUT_SECONDS = 3.0


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    database: Literal["ok"] = "ok"
    migrations: str
    xaman_mode: Literal["stub", "api"] = Field(description="stub: nothing is signed for real.")
    xrpl_mode: Literal["stub", "rpc"] = Field(
        description="stub: confirms trust the evidence clients send (never in production)."
    )
    xrpl_network: str
    ledger: Literal["stub", "verified"] = Field(
        description="verified: the XRPL node said it follows xrpl_network."
    )


@router.get("/healthz", operation_id="healthz")
async def healthz() -> Health:
    """Process liveness; touches nothing."""
    return Health()


@router.get("/readyz", operation_id="readyz", responses=errors(503))
async def readyz(request: Request) -> Ready:
    """Ready when the instance is not stopping, the database answers at the code's migration
    head and, with XRPL_MODE=rpc, the XRPL node says it follows XRPL_NETWORK; the modes say
    what is real."""
    if DRAIN.started:
        # First of all: load balancers must stop sending before this instance stops accepting.
        raise NotReady("This instance is stopping; it takes no new traffic.")
    settings, database = settings_of(request), database_of(request)
    head = MIGRATION_HEAD.of(request)
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            async with database.pool.acquire() as connection:
                current = await connection.fetchval("SELECT version_num FROM alembic_version")
    except Exception:  # any database failure means "not ready", never a 500
        raise NotReady("The database is not reachable.") from None
    if current != head:
        raise NotReady(f"The database schema is at {current}, the code needs {head}.")
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await LEDGER_READINESS.of(request)()
    except TimeoutError:
        raise NotReady("The XRPL node did not say in time which network it follows.") from None
    except UpstreamUnavailable as error:
        raise NotReady(f"The XRPL node cannot be used: {error.detail}") from None
    return Ready(
        migrations=head,
        xaman_mode=settings.XAMAN_MODE,
        xrpl_mode=settings.XRPL_MODE,
        xrpl_network=settings.XRPL_NETWORK,
        ledger="verified" if settings.XRPL_MODE == "rpc" else "stub",
    )


@router.get(
    "/metrics",
    operation_id="metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics() -> Response:
    """Prometheus metrics of this process."""
    # With several workers, of all of them (ringledger.core.metrics.exposition).
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
