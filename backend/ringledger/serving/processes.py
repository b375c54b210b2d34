"""`ringledger serve` as processes: the server in this one, or, with `--workers N`, a supervisor
here that holds the listening socket and N worker processes serving on it.

uvicorn's own supervisor would run uvicorn's server in each worker, which stops at once on
SIGTERM; this one runs ringledger.serving.server.DrainingServer in each, hands them the signal
it gets (SIGTERM for both SIGTERM and SIGINT: a Ctrl+C has already reached every worker, and a
second SIGINT would cut their requests), waits for them within the grace and exits 0 when every
one of them stopped cleanly. A worker killed by a signal is replaced; one that ends on its own
before it serves (its application could not start) stops them all, with uvicorn's start-up
failure code.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from types import FrameType

from uvicorn.config import STARTUP_FAILURE

from ringledger.serving.server import DrainingServer, ServingConfig

log = logging.getLogger(__name__)
_STOPPING = (signal.SIGINT, signal.SIGTERM)
_WATCH_SECONDS = 0.2
# Past the grace, a worker still has to close its pool and exit: it gets this much longer.
_EXIT_ALLOWANCE = 5.0


def run(config: ServingConfig, *, workers: int) -> int:
    """Serve until told to stop; the exit code."""
    if workers > 1:
        return Supervisor(config, workers).run()
    server = DrainingServer(config)
    server.run()
    return server.exit_code


@dataclass
class _Worker:
    process: SpawnProcess
    ready: Event  # set by the worker once it serves

    def tell(self, signal_number: int) -> None:
        """Send the signal unless the worker has exited (is_alive reaps it: no pid reuse)."""
        if self.process.pid is not None and self.process.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal_number)


class Supervisor:
    """N worker processes on one listening socket."""

    def __init__(self, config: ServingConfig, count: int) -> None:
        self.config, self.count = config, count
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.signalled = False

    def run(self) -> int:
        handlers = {number: signal.signal(number, self._signalled) for number in _STOPPING}
        try:
            listener = self.config.bind_socket()
            self.workers = [self._start(listener) for _ in range(self.count)]
            started = self._watch(listener)
            # The workers keep their own copies open through the notice; once the last one
            # closes its copy, new connections are refused.
            listener.close()
            if not started:
                self._stop(signal.SIGINT)
                return STARTUP_FAILURE
            return self._stop(signal.SIGTERM)
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)

    def _signalled(self, signal_number: int, frame: FrameType | None) -> None:
        # Handed on at once: the workers' readiness must flip before anything else happens.
        if not self.signalled:
            self.signalled = True
            for worker in self.workers:
                worker.tell(signal.SIGTERM)

    def _start(self, listener: socket.socket) -> _Worker:
        ready = self.context.Event()
        process = self.context.Process(target=_serve, args=(self.config, [listener], ready))
        process.start()
        return _Worker(process, ready)

    def _watch(self, listener: socket.socket) -> bool:
        """Keep every worker alive until a signal; False as soon as one could not start."""
        while not self.signalled:
            time.sleep(_WATCH_SECONDS)
            for index, worker in enumerate(self.workers):
                if self.signalled:
                    break  # a worker still starting may have died of the signal itself
                code = worker.process.exitcode
                if code is None:
                    continue
                if not worker.ready.is_set() and code >= 0:
                    # It ended on its own before serving: the next one would fail the same way.
                    log.error("a worker could not start (exit code %s)", code)
                    return False
                log.warning("a worker died (exit code %s); starting another", code)
                self.workers[index] = self._start(listener)
        return True

    def _stop(self, signal_number: int) -> int:
        """Tell every worker to stop (again: a worker ignores a second SIGTERM) and wait for
        them; 0 when each stopped cleanly."""
        for worker in self.workers:
            worker.tell(signal_number)
        deadline = time.monotonic() + self.config.grace + _EXIT_ALLOWANCE
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.error("a worker did not stop within the grace: killing it")
                worker.process.kill()
                worker.process.join()
        clean = all(
            worker.process.exitcode == 0 or not worker.ready.is_set() for worker in self.workers
        )
        return 0 if clean else 1


def _serve(config: ServingConfig, sockets: list[socket.socket], ready: Event) -> None:
    """A worker process: serve on the supervisor's socket until told to stop."""
    config.configure_logging()
    server = DrainingServer(config, ready=ready)
    server.run(sockets=sockets)
    sys.exit(server.exit_code)
