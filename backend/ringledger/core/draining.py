"""Whether this process is stopping: set once by the server when it is told to stop (SIGTERM),
read by `/readyz`, which then answers `503` so that load balancers stop sending, and by the HTTP
protocol, whose answers then close their connections (docs/deployment.md)."""

from __future__ import annotations


class Drain:
    """A flag that only goes up: a stopping process never becomes ready again."""

    __slots__ = ("started",)

    def __init__(self) -> None:
        self.started = False

    def begin(self) -> None:
        self.started = True


DRAIN = Drain()
