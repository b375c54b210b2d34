"""A real HTTP/1.1 server on 127.0.0.1 in a background thread, for wire-level fakes.

The fakes of Xaman and of an XRPL node describe *what* to answer (`Reply`); this module owns the
socket: keep-alive, slow answers that outlive a client's timeout, and TCP resets.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as it arrived on the wire (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What to send back; `reset` drops the connection with a TCP RST instead."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    reset: bool = False

    @classmethod
    def of_json(cls, document: Any, *, status: int = 200, **options: Any) -> Reply:
        """A JSON answer, compact as real servers send it."""
        body = json.dumps(document, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", **options.pop("headers", {})}
        return cls(status=status, body=body, headers=headers, **options)


Handler = Callable[[Received], Reply]


class LocalHttpServer:
    """Serves `handler` on a random local port until `stop()`; records every request."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler_class(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop serving; a reply still sleeping wakes up and is dropped."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _answer(self, request: Received) -> Reply:
        with self._lock:
            self._received.append(request)
        return self._handler(request)

    def _sleep(self, seconds: float) -> bool:
        """Wait `seconds`; False when the server is stopping meanwhile."""
        return not self._stopping.wait(seconds)


def _make_handler_class(owner: LocalHttpServer) -> type[BaseHTTPRequestHandler]:
    class _RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle on, each answer waits ~40 ms.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve()

        do_POST = do_DELETE = do_PUT = do_GET

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Received(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            reply = owner._answer(request)
            if reply.delay_seconds and not owner._sleep(reply.delay_seconds):
                reply = Reply(reset=True)
            if reply.reset:
                _reset(self.connection)
                self.close_connection = True
                return
            self._write(reply)

        def _write(self, reply: Reply) -> None:
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:  # the client gave up (timeout) before a slow answer was ready
                self.close_connection = True

        def finish(self) -> None:
            with contextlib.suppress(OSError, ValueError):  # the socket was reset on purpose
                super().finish()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return _RequestHandler


def _reset(connection: socket.socket) -> None:
    """Close with SO_LINGER 0, which makes the kernel send RST instead of FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def refused_url() -> str:
    """A local URL nobody listens on (the port was free a moment ago): connection refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
