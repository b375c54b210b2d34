"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from ringledger.core.errors import NotReady
from ringledger.core.openapi import errors

router = APIRouter(tags=["health"])
READY_TIMEOUT_SECONDS = 3.0


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    database: Literal["ok"] = "ok"
    migrations: str


@router.get("/healthz", operation_id="healthz")
async def healthz() -> Health:
    """Process liveness; touches nothing."""
    return Health()


@router.get("/readyz", operation_id="readyz", responses=errors(503))
async def readyz(request: Request) -> Ready:
    """Ready when the database answers and its schema is at the code's migration head."""
    head = request.app.state.migration_head
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            async with request.app.state.engine.connect() as connection:
                current = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # any database failure means "not ready", never a 500
        raise NotReady("The database is not reachable.") from None
    if current != head:
        raise NotReady(f"The database schema is at {current}, the code needs {head}.")
    return Ready(migrations=head)


@router.get(
    "/metrics",
    operation_id="metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics() -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
