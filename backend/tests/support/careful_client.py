"""Whole bout lifecycles driven the way a careful client drives them: a request that got no
answer, or an answer that says "nothing was done, try again", is sent again (the same request,
the same Idempotency-Key) after a short pause. Every failed attempt is recorded with its time,
so that a test can tell which fault caused it.

It is the benchmark's lifecycle driver (tests.performance.driver) with this retry in its one
request method; the lifecycles run until the test says stop.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.performance.driver import Driver, LifecycleFailed, run_async
from tests.performance.light_http import ConnectionLost, HttpConnection, ProtocolError, Response

TRIES = 8
PAUSE_SECONDS = 0.2
# Answers that store nothing and invite the same request again (docs/api.md): the balancer's
# 502/503/504, the service's 503s, and a duplicate confirm still in flight.
_AGAIN = frozenset({502, 503, 504})


@dataclass(frozen=True)
class Failure:
    """One attempt that did not get an answer to keep."""

    route: str
    started: float  # time.monotonic()
    ended: float
    what: str

    def overlaps(self, start: float, end: float) -> bool:
        """Whether the attempt was under way at some moment from `start` to `end`."""
        return self.started <= end and self.ended >= start


@dataclass
class Tally:
    """What the lifecycles left: ids of the bouts they created, and every failed attempt."""

    bouts: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


class CarefulClient(Driver):
    """Lifecycles with retries; `run_until` runs them in a thread of its own."""

    def __init__(self, base_url: str, *, admin_email: str, admin_password: str) -> None:
        super().__init__(base_url, admin_email=admin_email, admin_password=admin_password)
        self.tally = Tally()

    async def call(
        self,
        http: HttpConnection,
        route: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        key: str | None = None,
    ) -> Response:
        for attempt in range(TRIES):
            started = time.monotonic()
            try:
                response = await http.request(
                    method, path, json=json, token=token, idempotency_key=key
                )
            except (ConnectionLost, ProtocolError, OSError, TimeoutError) as error:
                what = f"{type(error).__name__}: {error}"
            else:
                if not _again(response):
                    return self._kept(route, response, retried=attempt > 0)
                what = f"{response.status} {response.body[:120]!r}"
            self.tally.failures.append(Failure(route, started, time.monotonic(), what))
            await asyncio.sleep(PAUSE_SECONDS)
        self.results.errors.append(f"{route} -> no answer after {TRIES} tries")
        raise LifecycleFailed(route)

    def _kept(self, route: str, response: Response, *, retried: bool) -> Response:
        """A final answer: 2xx, or the one refusal that a retry of a result earns when the
        first attempt did its work before its answer was lost."""
        if 200 <= response.status < 300:
            if route == "POST /bouts":
                self.tally.bouts.append(str(response.json()["bout_id"]))
            return response
        if (
            retried
            and route == "result"
            and response.status == 409
            and response.json().get("bout_status") == "result_entered"
        ):
            return response
        self.results.errors.append(f"{route} -> {response.status} {response.body[:200]!r}")
        raise LifecycleFailed(route)

    def run_until(self, stop: threading.Event, *, clients: int) -> threading.Thread:
        """Start `clients` clients in a thread of their own, each running lifecycles one after
        the other until `stop` is set (the lifecycle in hand is finished first)."""
        thread = threading.Thread(target=lambda: run_async(self._run(stop, clients)), daemon=True)
        thread.start()
        return thread

    async def _run(self, stop: threading.Event, clients: int) -> None:
        connections = [self.connection() for _ in range(clients)]
        try:
            admin_token = await self.login(connections[0], self.admin_email, self.admin_password)
            casts = await self._casts(connections)
            tickets = itertools.takewhile(lambda _: not stop.is_set(), itertools.count())
            await asyncio.gather(
                *(
                    self._client(http, cast, admin_token, tickets)
                    for http, cast in zip(connections, casts, strict=True)
                )
            )
        finally:
            await asyncio.gather(*(http.close() for http in connections))


def _again(response: Response) -> bool:
    if response.status in _AGAIN:
        return True
    return response.status == 409 and b'"idempotency_in_flight"' in response.body
