"""The ASGI application: routers, error handlers, middleware and the resources of one process."""

from __future__ import annotations

import json
import logging
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ringledger.audit.router import router as audit_router
from ringledger.auth.router import router as auth_router
from ringledger.bouts.flow_router import router as flow_router
from ringledger.bouts.router import router as bouts_router
from ringledger.bouts.signing_outcomes import record_outcome
from ringledger.core import handlers
from ringledger.core.config import Settings, get_settings
from ringledger.core.context import request_id_var
from ringledger.core.database import database_url
from ringledger.core.db import Database
from ringledger.core.health import router as health_router
from ringledger.core.logging import configure_logging
from ringledger.core.meta import router as meta_router
from ringledger.core.middleware import RequestContextMiddleware
from ringledger.core.migrations import prepare_schema, target_revision
from ringledger.core.security import PasswordHashing, TokenIssuer
from ringledger.fighters.router import router as fighters_router
from ringledger.ledger.factory import build_ledger
from ringledger.ledger.interface import LedgerUnavailable, LedgerVerifier, NetworkMismatch
from ringledger.signing.factory import build_signing
from ringledger.signing.router import router as webhook_router
from ringledger.web.static import mount_console

log = logging.getLogger(__name__)

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


class ConfigurationRefused(RuntimeError):
    """The environment is unsafe for this RINGLEDGER_ENV; the message lists every problem."""


def check_startup(settings: Settings) -> None:
    problems = settings.problems()
    if problems:
        raise ConfigurationRefused("refusing to start: " + "; ".join(problems))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    url = await anyio.to_thread.run_sync(database_url, settings)
    await anyio.to_thread.run_sync(prepare_schema, settings, url)
    # Every lock wait is bounded; a duplicate confirm waits at most this long for the original.
    database = await Database.connect(
        url,
        pool_size=settings.RINGLEDGER_DB_POOL_SIZE,
        lock_timeout=settings.RINGLEDGER_IDEMPOTENCY_WAIT,
    )
    app.state.database = database
    app.state.record_outcome = record_outcome
    app.state.migration_head = target_revision(settings)
    app.state.tokens = TokenIssuer(
        secret=settings.jwt_secret, expires_minutes=settings.JWT_EXPIRES_MINUTES
    )
    app.state.passwords = PasswordHashing(fast=settings.fast_password_hashing)
    settings.preimage_cipher  # noqa: B018 - load (or create) the key before the first request
    app.state.signing = build_signing(settings)
    app.state.ledger = build_ledger(settings)
    await _check_ledger_network(app.state.ledger)
    try:
        yield
    finally:
        await app.state.signing.aclose()
        await app.state.ledger.aclose()
        await database.close()


async def _check_ledger_network(ledger: LedgerVerifier) -> None:
    """Refuse to start on a node of another network; a node that is down only delays confirms."""
    try:
        await ledger.check_network()
    except NetworkMismatch as error:
        raise ConfigurationRefused(f"refusing to start: {error.detail}") from None
    except LedgerUnavailable as error:
        log.warning(
            "could not ask the XRPL node which network it follows (%s); confirms wait for it",
            error.detail,
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application for `settings` (from the environment by default)."""
    settings = settings or get_settings()
    check_startup(settings)
    app = FastAPI(
        title="RingLedger",
        version="0.1.0",
        summary="Fighter purse settlement through XRP Ledger escrows",
        lifespan=lifespan,
        # The interactive pages load scripts from a CDN and inline, which the console's
        # Content-Security-Policy forbids; the document itself stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    handlers.install(app)
    for router in (
        health_router,
        meta_router,
        auth_router,
        fighters_router,
        bouts_router,
        flow_router,
        audit_router,
        webhook_router,
    ):
        app.include_router(router)
    mount_console(app, settings.RINGLEDGER_WEB_DIR)
    return app


class Outermost:
    """Wraps the app so even a crash inside Starlette's error layer carries a request id."""

    def __init__(self, app: FastAPI) -> None:
        self.fastapi = app
        self._inner: ASGIApp = RequestContextMiddleware(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = {"value": False}

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started["value"] = True
            await send(message)

        try:
            await self._inner(scope, receive, tracking_send)
        except Exception:
            if scope["type"] != "http":
                raise
            if not started["value"]:
                # A failure outside Starlette's error layer (our own middleware): still a JSON
                # 500 with the request id, never a bare connection reset.
                log.exception("unhandled error before the application answered")
                await _send_internal_error(send)
            # Otherwise Starlette has already logged it and sent the 500 body; re-raising would
            # only make the server print the same traceback a second time.


async def _send_internal_error(send: Send) -> None:
    request_id = request_id_var.get() or uuid.uuid4().hex
    body = json.dumps(
        {
            "detail": "An internal error occurred. Quote the request id when reporting it.",
            "code": "internal_error",
            "request_id": request_id,
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"x-request-id", request_id.encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_asgi(settings: Settings | None = None) -> Outermost:
    """The ASGI callable servers run (`uvicorn --factory ringledger.main:create_asgi`)."""
    settings = settings or get_settings()
    configure_logging(as_json=settings.log_as_json, level=settings.RINGLEDGER_LOG_LEVEL)
    return Outermost(create_app(settings))
