"""The ASGI application: routers, error handlers, middleware and the resources of one process."""

from __future__ import annotations

import gc
import logging
import os
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.engine import URL

from ringledger.auth.router import router as auth_router
from ringledger.bouts.router import router as bouts_router
from ringledger.core import handlers
from ringledger.core.config import Settings, get_settings
from ringledger.core.database import SCHEMA_READY_VARIABLE, database_url
from ringledger.core.db import Database
from ringledger.core.deps import (
    DATABASE,
    LEDGER_READINESS,
    MIGRATION_HEAD,
    PASSWORDS,
    SETTINGS,
    TOKENS,
)
from ringledger.core.health import router as health_router
from ringledger.core.logging import configure_logging
from ringledger.core.memory import return_large_blocks_to_the_system
from ringledger.core.meta import router as meta_router
from ringledger.core.middleware import RequestContextMiddleware
from ringledger.core.security import PasswordHashing, TokenIssuer
from ringledger.evidence.router import router as evidence_router
from ringledger.fighters.router import router as fighters_router
from ringledger.issued.router import router as issued_router
from ringledger.ledger.deps import LEDGER
from ringledger.ledger.factory import build_ledger
from ringledger.ledger.interface import LedgerUnavailable, LedgerVerifier, NetworkMismatch
from ringledger.settlement.router import router as settlement_router
from ringledger.settlement.signing_outcomes import record_outcome
from ringledger.signing.deps import RECORDER, SIGNING
from ringledger.signing.factory import build_signing
from ringledger.signing.router import router as webhook_router
from ringledger.web.static import mount_console

log = logging.getLogger(__name__)
_NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


class ConfigurationRefused(RuntimeError):
    """The environment is unsafe for this RINGLEDGER_ENV; the message lists every problem."""


def check_startup(settings: Settings) -> None:
    problems = settings.problems()
    if problems:
        raise ConfigurationRefused("refusing to start: " + "; ".join(problems))


def _prepare_schema(settings: Settings, url: URL) -> str:
    """Migrate where allowed (or refuse another revision); the revision the service runs on."""
    from ringledger.core.migrations import prepare_schema, target_revision

    prepare_schema(settings, url)
    return target_revision(settings)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = SETTINGS.in_app(app)
    return_large_blocks_to_the_system()  # password hashes' memory is not kept (core.memory)
    url = await anyio.to_thread.run_sync(database_url, settings)
    head = os.environ.get(SCHEMA_READY_VARIABLE)
    if not head:
        head = await anyio.to_thread.run_sync(_prepare_schema, settings, url)
    # Every lock wait is bounded; a duplicate confirm waits at most this long for the original.
    # The whole pool is opened now: a burst of traffic never waits for new connections.
    database = await Database.connect(
        url,
        pool_size=settings.RINGLEDGER_DB_POOL_SIZE,
        min_size=settings.RINGLEDGER_DB_POOL_SIZE,
        lock_timeout=settings.RINGLEDGER_IDEMPOTENCY_WAIT,
        pooler=settings.RINGLEDGER_DB_POOLER,
    )
    DATABASE.put(app, database)
    RECORDER.put(app, record_outcome)
    MIGRATION_HEAD.put(app, head)
    TOKENS.put(
        app,
        TokenIssuer(secret=settings.jwt_secret, expires_minutes=settings.JWT_EXPIRES_MINUTES),
    )
    PASSWORDS.put(app, PasswordHashing(fast=settings.fast_password_hashing))
    settings.preimage_cipher  # noqa: B018 - load (or create) the key before the first request
    signing = build_signing(settings)
    ledger = build_ledger(settings)
    SIGNING.put(app, signing)
    LEDGER.put(app, ledger)
    LEDGER_READINESS.put(app, ledger.check_network)
    await _check_ledger_network(ledger)
    _settle_the_heap()
    try:
        yield
    finally:
        await signing.aclose()
        await ledger.aclose()
        await database.close()


def _settle_the_heap() -> None:
    """Keep the garbage collector off what lives as long as the process.

    Everything built at start-up — modules, routes, schemas, the pool — stays for good, yet
    every full collection would walk it again: ~50–80 ms each, a pause in the middle of
    requests. gc.freeze() moves it out of the collector's generations (Python docs, gc.freeze),
    so a collection only walks what requests created.
    """
    gc.collect()
    gc.freeze()


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
        # FastAPI's OpenTelemetry hooks look for a configured provider on every request and
        # dependency; the service reports through /metrics and its logs, not OpenTelemetry.
        telemetry=_NO_TELEMETRY,
    )
    SETTINGS.put(app, settings)
    handlers.install(app)
    # Requests are matched against the routers in this order: the bout lifecycle, which takes
    # most of the traffic, first (no two routers share a path).
    for router in (
        settlement_router,
        bouts_router,
        evidence_router,
        auth_router,
        fighters_router,
        issued_router,
        webhook_router,
        health_router,
        meta_router,
    ):
        # The routes join the application's own list, each already carrying its router's
        # prefix, tags and responses: a request is matched against them directly, instead of
        # through one included router per package (FastAPI's include_router), which cost ~10 %
        # of a small request in matching alone.
        app.router.routes.extend(router.routes)
    mount_console(app, settings.RINGLEDGER_WEB_DIR)
    return app


def create_asgi(settings: Settings | None = None) -> RequestContextMiddleware:
    """The ASGI callable servers run (`uvicorn --factory ringledger.main:create_asgi`)."""
    settings = settings or get_settings()
    configure_logging(as_json=settings.log_as_json, level=settings.RINGLEDGER_LOG_LEVEL)
    return RequestContextMiddleware(create_app(settings))
