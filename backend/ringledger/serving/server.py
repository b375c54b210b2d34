"""`ringledger serve`: the uvicorn configuration the service runs with, and running it."""

from __future__ import annotations

from uvicorn.config import STARTUP_FAILURE
from uvicorn.server import Server
from uvicorn.supervisors import Multiprocess

from ringledger.core.config import Settings
from ringledger.serving.protocol import HttpLimits, LimitedConfig


def limits_of(settings: Settings) -> HttpLimits:
    """The HTTP limits the settings ask for."""
    return HttpLimits(
        max_head_bytes=settings.RINGLEDGER_HTTP_MAX_HEAD_BYTES,
        idle_timeout=settings.RINGLEDGER_HTTP_KEEP_ALIVE.total_seconds(),
        head_timeout=settings.RINGLEDGER_HTTP_HEAD_TIMEOUT.total_seconds(),
        body_timeout=settings.RINGLEDGER_HTTP_BODY_TIMEOUT.total_seconds(),
    )


def serving_config(settings: Settings, *, host: str, port: int, workers: int) -> LimitedConfig:
    """uvicorn's configuration for the service's ASGI application on `host:port`."""
    trusted = settings.trusted_proxies
    return LimitedConfig(
        "ringledger.main:create_asgi",
        limits=limits_of(settings),
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        # The C event loop, never the pure-Python fallback "auto" would pick silently if uvloop
        # were missing (a pinned dependency); the HTTP parser is httptools (the protocol).
        loop="uvloop",
        ws="none",
        # An answer names no server software: nothing to look up vulnerabilities by.
        server_header=False,
        timeout_keep_alive=int(settings.RINGLEDGER_HTTP_KEEP_ALIVE.total_seconds()),
        timeout_graceful_shutdown=10,
        # X-Forwarded-For is honoured only from the proxies the operator lists (none by default).
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )


def run(config: LimitedConfig) -> int:
    """Serve until stopped; the exit code (uvicorn's start-up failure when it never served)."""
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return 0
    server = Server(config)
    server.run()
    return 0 if server.started else STARTUP_FAILURE
