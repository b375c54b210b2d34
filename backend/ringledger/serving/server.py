"""`ringledger serve`: the uvicorn configuration the service runs with, and how an instance stops.

A rolling restart must lose no request (docs/deployment.md). Told to stop with SIGTERM, an
instance:

1. answers `/readyz` with `503` at once (ringledger.core.draining), and every answer from then on
   closes its connection, so that no connection is left idle for a load balancer to reuse;
2. keeps serving for RINGLEDGER_SHUTDOWN_NOTICE, the time load balancers take to see that `503`
   and stop sending: a request written in that time, on a new or a kept connection, is answered;
3. stops accepting, closes the connections that carry no request, and lets the requests in
   flight finish until RINGLEDGER_SHUTDOWN_GRACE, counted from the signal, runs out;
4. closes the application (its database pool) and exits 0, or 1 when requests were still running
   at the end of the grace and had to be cut.

SIGINT (Ctrl+C) skips the notice, and a second one cuts what still runs. With `--workers N` a
supervisor (ringledger.serving.processes) hands the signal to every worker, each of which stops
this way; a worker whose supervisor died stops as if told to.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from multiprocessing.synchronize import Event
from types import FrameType
from typing import Any

from uvicorn.config import STARTUP_FAILURE
from uvicorn.server import Server

from ringledger.core.config import Settings
from ringledger.core.draining import DRAIN
from ringledger.serving.protocol import HttpLimits, LimitedConfig

log = logging.getLogger(__name__)
EXIT_CUT = 1  # requests were still running when the grace ran out
_POLL_SECONDS = 0.05
_CANCEL_SECONDS = 2.0  # for cut requests to roll back and give their connections back


class ServingConfig(LimitedConfig):
    """uvicorn's configuration with the HTTP limits and the stop's two durations, in seconds."""

    def __init__(
        self, app: Any, *, limits: HttpLimits, grace: float, notice: float, **options: Any
    ) -> None:
        super().__init__(app, limits=limits, **options)
        self.grace, self.notice = grace, notice


def serving_config(settings: Settings, *, host: str, port: int) -> ServingConfig:
    """uvicorn's configuration for the service's ASGI application on `host:port`."""
    trusted = settings.trusted_proxies
    return ServingConfig(
        "ringledger.main:create_asgi",
        limits=HttpLimits(
            max_head_bytes=settings.RINGLEDGER_HTTP_MAX_HEAD_BYTES,
            idle_timeout=settings.RINGLEDGER_HTTP_KEEP_ALIVE.total_seconds(),
            head_timeout=settings.RINGLEDGER_HTTP_HEAD_TIMEOUT.total_seconds(),
            body_timeout=settings.RINGLEDGER_HTTP_BODY_TIMEOUT.total_seconds(),
        ),
        grace=settings.RINGLEDGER_SHUTDOWN_GRACE.total_seconds(),
        notice=settings.RINGLEDGER_SHUTDOWN_NOTICE.total_seconds(),
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        # The C event loop, never the pure-Python fallback "auto" would pick silently if uvloop
        # were missing (a pinned dependency); the HTTP parser is httptools (the protocol).
        loop="uvloop",
        ws="none",
        # An answer names no server software: nothing to look up vulnerabilities by.
        server_header=False,
        timeout_keep_alive=int(settings.RINGLEDGER_HTTP_KEEP_ALIVE.total_seconds()),
        # X-Forwarded-For is honoured only from the proxies the operator lists (none by default).
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )


class DrainingServer(Server):
    """uvicorn's server, stopping as the module says; `ready` is set once it serves."""

    def __init__(self, config: ServingConfig, *, ready: Event | None = None) -> None:
        super().__init__(config)
        self.serving = config
        self.ready = ready
        # A worker's supervisor: when it is gone, nobody will ever tell this process to stop.
        self.parent = os.getppid() if ready is not None else None
        self.stop_accepting_at: float | None = None  # time.monotonic(), once told to stop
        self.deadline: float | None = None
        self.announced = False
        self.cut = 0

    @property
    def exit_code(self) -> int:
        """0 for a clean stop, EXIT_CUT when requests were cut, uvicorn's start-up failure."""
        if not self.started:
            return STARTUP_FAILURE
        return EXIT_CUT if self.cut else 0

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """The handler of SIGTERM and SIGINT; the first signal decides how the stop goes."""
        if self.deadline is not None:
            self.force_exit = self.force_exit or sig == signal.SIGINT
            return
        DRAIN.begin()
        now = time.monotonic()
        notice = self.serving.notice if sig == signal.SIGTERM else 0.0
        self.stop_accepting_at = now + notice
        self.deadline = now + self.serving.grace

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.ready is not None:
            self.ready.set()

    async def on_tick(self, counter: int) -> bool:
        if self.parent is not None and os.getppid() != self.parent and self.deadline is None:
            log.warning("the supervisor is gone: stopping")
            self.handle_exit(signal.SIGTERM, None)
        if self.stop_accepting_at is not None and not self.should_exit:
            if not self.announced:
                self.announced = True
                log.info(
                    "stopping: /readyz answers 503; serving %.0f s more while load balancers "
                    "notice, then finishing what is in flight",
                    max(0.0, self.stop_accepting_at - time.monotonic()),
                )
            self.should_exit = time.monotonic() >= self.stop_accepting_at
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Stop accepting, let the requests in flight finish within the grace, close the
        application."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # an idle connection closes now, a busy one after its answer
        deadline = self.deadline or time.monotonic() + self.serving.grace
        if not await self._requests_finished(deadline):
            await self._cut()
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def _cut(self) -> None:
        """End the requests still running: their clients get no answer, as after a crash (a
        500 would claim to know the outcome), and their transactions roll back."""
        state = self.server_state
        self.cut = len(state.tasks)
        log.error("cutting %d request(s) still running when the grace ran out", self.cut)
        for connection in list(state.connections):
            connection.transport.close()
        for task in state.tasks:
            task.cancel()
        if state.tasks:
            await asyncio.wait(list(state.tasks), timeout=_CANCEL_SECONDS)

    async def _requests_finished(self, deadline: float) -> bool:
        """Wait until no connection is open; False past `deadline` or on a second Ctrl+C."""
        state = self.server_state
        while state.connections or state.tasks:
            if self.force_exit or time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL_SECONDS)
        return True
