"""One HTTP/1.1 connection: uvicorn's httptools protocol with the limits a server that faces its
clients without a proxy needs.

uvicorn hands every byte it reads to httptools, which sets no bound on a request's head and
gathers a header value piece by piece (a huge one costs more than linear time), and it runs no
clock before a connection's first request nor while a head or a body trickles in. This subclass,
plugged in through uvicorn's extension point (`Config(http=<protocol class>)`), adds:

- **a head limit**: the request line and headers are counted before the parser sees them; a head
  longer than `max_head_bytes` is answered `431` without parsing the rest, and the connection
  is closed;
- **a head deadline**: a connection that sends nothing within `idle_timeout` of opening, or of
  its previous answer, is closed quietly (the keep-alive timeout, now also for new
  connections); a head begun but not complete within `head_timeout` is answered `408`;
- **a body deadline**: a body not complete within `body_timeout` of its head is answered `408`
  (the application sees its client gone);
- **closing answers while the instance stops** (ringledger.serving.server): every answer then
  says `Connection: close`, so no connection is left idle for a load balancer to reuse;
- **one send per answer**: uvicorn writes an answer's head and body apart; the head now waits
  for the first part of its body (`_HeadWithBody`).

Refusals are JSON error bodies like every other answer of the service, counted in /metrics and
in the access log. What it costs a request: the head is counted by one comparison and one
subtraction per read; the deadline is uvicorn's own keep-alive timer, armed when an answer ends
as before and cancelled when the next head is complete rather than at its first byte, so a
request still costs one timer; the body deadline is armed only for a body that does not arrive
in the same read as its head.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, cast

import httptools
import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from ringledger.core.draining import DRAIN
from ringledger.core.metrics import ERRORS, REQUESTS

access_log = logging.getLogger("ringledger.access")
# After a refusal the client may still be sending (a 96 MB head): its bytes are read and dropped
# for at most this long, so that it reads the answer rather than a reset that would discard it.
LINGER_SECONDS = 2.0
_ROUTE = "unmatched"  # the metrics' label for a request that never reached a route


@dataclass(frozen=True)
class HttpLimits:
    """How large a request head may be and how long a client may take (seconds)."""

    max_head_bytes: int = 16 * 1024
    idle_timeout: float = 5.0
    head_timeout: float = 10.0
    body_timeout: float = 15.0


class LimitedConfig(Config):
    """uvicorn's configuration, serving with `GuardedHttpProtocol` under `limits`."""

    def __init__(self, app: Any, *, limits: HttpLimits, **options: Any) -> None:
        super().__init__(app, http=GuardedHttpProtocol, **options)
        self.limits = limits


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head limit and deadlines for heads and bodies."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = config.limits if isinstance(config, LimitedConfig) else HttpLimits()
        # uvicorn arms this wait when an answer ends (its handler below also ends late heads);
        # it only reaches loop.call_later, which takes fractions of a second too.
        self.timeout_keep_alive = min(  # type: ignore[assignment]
            self.limits.idle_timeout, self.limits.head_timeout
        )
        self._reading_head = True  # between one request's end and the next head's end
        self._head_room = self.limits.max_head_bytes  # what the head in progress may still take
        self._head_late = False  # the idle wait passed while a head was arriving
        self._body_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn starts the wait only after an answer: a connection that never sends a byte
        # would stay open for good.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def data_received(self, data: bytes | memoryview) -> None:
        if self._reading_head:
            if len(data) > self._head_room:
                self._head_past_room(data)
                return
            self._head_room -= len(data)
        if not self._feed(data):
            return
        if not self._reading_head and self._body_timer is None:
            # The head is complete and its body is not: the body's clock starts.
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_too_slow)

    def _head_past_room(self, data: bytes | memoryview) -> None:
        """Parse no more of a head than it may take; past that point the read is the body (or
        the next request) when the head ended in time, and a `431` otherwise."""
        room = self._head_room
        view = memoryview(data)
        # A head that ends inside `view[:room]` resets the room (on_message_complete) or stops
        # reading heads (on_headers_complete); one that does not leaves it at 0.
        self._head_room = 0
        if not self._feed(view[:room]):
            return
        if self._reading_head and self._head_room == 0:
            self._refuse(
                status=431,
                code="request_header_fields_too_large",
                detail=f"The request line and headers are over {self.limits.max_head_bytes} bytes.",
            )
            return
        self.data_received(view[room:])

    def _feed(self, data: bytes | memoryview) -> bool:
        """Parse `data`; False when it was not HTTP and the connection was refused."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._refuse(status=400, code="bad_request", detail="The request is not valid HTTP.")
            return False
        except httptools.HttpParserUpgrade:
            # No route speaks another protocol; the request is answered as plain HTTP.
            self.logger.warning("Unsupported upgrade request.")
        return True

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_late = False
        self._unset_keepalive_if_required()  # the head deadline is met
        super().on_headers_complete()
        if self.cycle is not None:  # its application runs from the loop's next turn on
            # The cycle only writes, closes and asks `is_closing` of its transport.
            self.cycle.transport = cast(
                asyncio.Transport, _HeadWithBody(self.transport, self.cycle)
            )
        if DRAIN.started and self.cycle is not None:
            # The instance is stopping: this answer closes its connection, so no connection is
            # left idle for a load balancer to write its next request on.
            self.cycle.keep_alive = False

    def on_response_complete(self) -> None:
        # An answer without a body write (to HEAD) ends here: its head leaves now.
        if self.cycle is not None and isinstance(self.cycle.transport, _HeadWithBody):
            self.cycle.transport.flush()
        super().on_response_complete()

    def on_message_complete(self) -> None:
        self._reading_head = True
        self._head_room = self.limits.max_head_bytes
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().on_message_complete()

    def timeout_keep_alive_handler(self) -> None:
        """The wait for the next head ran out: an idle connection closes, a late head gets
        408, a head that started and still has time gets the rest of `head_timeout`."""
        self.timeout_keep_alive_task = None
        if self.transport.is_closing() or not self._reading_head:
            return  # a request is being read or answered: the body deadline applies
        if self._head_room == self.limits.max_head_bytes:
            self.transport.close()
            return
        rest = self.limits.head_timeout - self.timeout_keep_alive
        if not self._head_late and rest > 0:
            self._head_late = True
            self.timeout_keep_alive_task = self.loop.call_later(
                rest, self.timeout_keep_alive_handler
            )
            return
        self._refuse(
            status=408, code="request_timeout", detail="The request head did not arrive in time."
        )

    def _body_too_slow(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self._reading_head:
            return
        if self.cycle.response_started:
            # The application answered without the body (413): the rest is not wanted.
            self.transport.close()
            return
        self._refuse(
            status=408, code="request_timeout", detail="The request body did not arrive in time."
        )

    def _refuse(self, *, status: int, code: str, detail: str) -> None:
        """Answer with a JSON error and give up the connection: nothing more is parsed."""
        REQUESTS.labels("-", _ROUTE, str(status)).inc()
        ERRORS.labels(_ROUTE, code).inc()
        fields = {"route": _ROUTE, "status": status, "error_code": code}
        access_log.info("- %s -> %s", _ROUTE, status, extra={"fields": fields})
        body = orjson.dumps({"detail": detail, "code": code})
        head = [STATUS_LINE[status]]
        head.extend(b"%s: %s\r\n" % pair for pair in self.server_state.default_headers)
        head.append(
            b"content-type: application/json\r\ncache-control: no-store\r\n"
            b"x-content-type-options: nosniff\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n" % len(body)
        )
        self.transport.write(b"".join(head) + body)
        self._let_go()

    def _let_go(self) -> None:
        """Hand the connection to a `_Lingering` protocol, doing what uvicorn's connection_lost
        would: this protocol and its request are done with it."""
        self.connections.discard(self)
        self._unset_keepalive_if_required()
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.flow.resume_reading()
        self.transport.set_protocol(_Lingering(self.transport, self.loop))
        if self.transport.can_write_eof():
            self.transport.write_eof()


class _HeadWithBody:
    """One request's view of the connection: the answer's head waits for the first part of its
    body, so the two leave in one send — one segment, one wake-up of the client — instead of
    two. A write before the answer starts (`100 Continue`) goes at once; the head also leaves
    when the answer ends without a body (`on_response_complete`) or the connection closes."""

    __slots__ = ("_cycle", "_head", "_transport", "_waiting")

    def __init__(self, transport: asyncio.Transport, cycle: Any) -> None:
        self._transport, self._cycle = transport, cycle
        self._head: bytes | None = None
        self._waiting = True  # for the answer's head

    def write(self, data: bytes) -> None:
        if self._waiting and self._cycle.response_started:
            self._waiting = False
            self._head = data
            return
        if self._head is not None:
            data, self._head = self._head + data, None
        self._transport.write(data)

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()


class _Lingering(asyncio.Protocol):
    """A refused connection's last moments: what the client still sends is read and dropped
    until it closes, or for at most LINGER_SECONDS."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self.timer = loop.call_later(LINGER_SECONDS, transport.close)

    def data_received(self, data: bytes) -> None:
        """Dropped: the answer is already on its way."""

    def eof_received(self) -> bool:
        return False  # the client is done too: close

    def connection_lost(self, exc: Exception | None) -> None:
        self.timer.cancel()
