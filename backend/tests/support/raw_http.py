"""Raw sockets against a server, for tests of what an HTTP client library would never send: a
head of several megabytes, a head or a body that trickles in, a connection that stays silent.

Everything here reads with a timeout: a server that never answers fails the test, it does not
hang it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    """What came back on one connection until the server closed it (or the wait ran out)."""

    raw: bytes
    closed: bool  # the server closed the connection (end of stream or reset)
    seconds: float  # from the start of the wait to the close, or to the end of the wait

    @property
    def status(self) -> int | None:
        if not self.raw.startswith(b"HTTP/1."):
            return None
        return int(self.raw.split(b" ", 2)[1])

    @property
    def headers(self) -> dict[str, str]:
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
        return {
            name.lower(): value.strip() for name, _, value in (line.partition(":") for line in head)
        }

    def json(self) -> Any:
        return json.loads(self.raw.split(b"\r\n\r\n", 1)[1])


def address_of(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


@contextmanager
def connection(base_url: str) -> Iterator[socket.socket]:
    """A TCP connection to the server at `base_url`, closed at the end."""
    sock = socket.create_connection(address_of(base_url), timeout=30)
    try:
        yield sock
    finally:
        sock.close()


def read_until_closed(sock: socket.socket, *, within: float) -> Answer:
    """Everything the server sends until it closes the connection, waiting at most `within`."""
    started = time.monotonic()
    received = bytearray()
    deadline = started + within
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return Answer(bytes(received), True, time.monotonic() - started)
        if not chunk:
            return Answer(bytes(received), True, time.monotonic() - started)
        received += chunk
    return Answer(bytes(received), False, time.monotonic() - started)


def head(path: str = "/healthz", *, method: str = "GET", size: int = 0, **headers: str) -> bytes:
    """A request head of exactly `size` bytes (padded with an `X-Pad` header), or as short as it
    gets when `size` is 0."""
    lines = [f"{method} {path} HTTP/1.1", "Host: ringledger.test"]
    lines.extend(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())
    bare = ("\r\n".join(lines) + "\r\n\r\n").encode()
    if size == 0:
        return bare
    padding = size - len(bare) - len("X-Pad: \r\n")
    assert padding >= 0, f"a head of {size} bytes cannot hold {bare!r}"
    return bare[:-2] + b"X-Pad: " + b"p" * padding + b"\r\n\r\n"


def send_in_background(sock: socket.socket, data: bytes) -> threading.Thread:
    """Send `data` from another thread, so that the caller can read the answer meanwhile (a
    server may answer, and close, before it has read everything)."""

    def send() -> None:
        # The server may close the connection mid-way: what the caller reads says why.
        with contextlib.suppress(OSError):
            sock.sendall(data)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    return sender


def drip(sock: socket.socket, pieces: list[bytes], *, pause: float) -> threading.Thread:
    """Send `pieces` one by one from another thread, `pause` seconds apart, until the server
    closes the connection."""

    def send() -> None:
        for piece in pieces:
            try:
                sock.sendall(piece)
            except OSError:
                return
            time.sleep(pause)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    return sender
