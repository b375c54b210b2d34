"""A minimal HTTP/1.1 keep-alive client for the load generator.

The load generator shares the machine's cores with the API processes and PostgreSQL, so every
millisecond of client CPU is taken from the server it measures. A general client such as httpx
spends about 2 ms of CPU per request (models, header objects, connection pool bookkeeping); this
one writes the request as one bytes string and reads the answer with one `readuntil` for the head
and one `readexactly` for the body, which costs a small fraction of that.

It does only what the benchmark needs: one persistent connection per simulated client, JSON
bodies (orjson), bearer tokens and Idempotency-Keys, bodies by Content-Length (chunked answers
are understood too), and a fresh connection when the server closed an idle one. A request that
was written is never sent again: whether the server acted on it is unknown, and a benchmark must
not hide that behind a retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

HEAD_END = b"\r\n\r\n"
NO_BODY_STATUSES = frozenset({204, 304})
# uvicorn closes a connection idle for 5 s; one idle for longer than this is replaced before use,
# so a request never races the server closing the connection it is written to.
IDLE_LIMIT_SECONDS = 4.0


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.x as this client understands it."""


class ConnectionLost(Exception):
    """The connection ended after the request was (perhaps partly) written; it is not retried."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names; repeated fields joined with ", "
    body: bytes
    http_version: str = "HTTP/1.1"

    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def keep_alive(self) -> bool:
        """Whether the connection may carry another request after this answer."""
        connection = self.headers.get("connection", "").lower()
        if self.http_version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def encode_request(
    method: str,
    target: str,
    *,
    host: str,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | None = None,
) -> bytes:
    """The request's bytes: request line, Host, the given fields, Content-Length, body."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    if body is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body or b'')}")
    for line in lines:
        # A CR or LF in a value would end the field early and smuggle in another one.
        if "\r" in line or "\n" in line:
            raise ValueError(f"CR or LF in a request line or header field: {line[:80]!r}")
    return "\r\n".join(lines).encode("latin-1") + HEAD_END + (body or b"")


def parse_head(head: bytes) -> tuple[str, int, dict[str, str]]:
    """HTTP version, status and headers of a response head (without its final blank line)."""
    status_line, *fields = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for field in fields:
        name, colon, value = field.partition(":")
        if not colon or not name or name != name.strip():
            raise ProtocolError(f"malformed header line: {field[:80]!r}")
        key, value = name.lower(), value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return version, int(code), headers


async def read_response(reader: asyncio.StreamReader, *, method: str = "GET") -> Response:
    """Read one response from `reader`, skipping interim (1xx) answers.

    Raises ConnectionLost when the stream ends before the response does.
    """
    try:
        while True:
            head = await reader.readuntil(HEAD_END)
            version, status, headers = parse_head(head[: -len(HEAD_END)])
            if not 100 <= status < 200 or status == 101:
                break
        body = await _read_body(reader, method=method, status=status, headers=headers)
    except asyncio.IncompleteReadError as error:
        raise ConnectionLost(f"the stream ended after {len(error.partial)} bytes") from error
    except asyncio.LimitOverrunError as error:
        raise ProtocolError("the response head is larger than the reader's limit") from error
    return Response(status, headers, body, version)


async def _read_body(
    reader: asyncio.StreamReader, *, method: str, status: int, headers: Mapping[str, str]
) -> bytes:
    if method == "HEAD" or status < 200 or status in NO_BODY_STATUSES:
        return b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await read_chunked(reader)
    length = headers.get("content-length")
    if length is None:
        # Delimited by the end of the connection (the answer says `Connection: close` or the
        # caller drops the connection because it was not told otherwise).
        return await reader.read()
    if not length.isdigit():
        raise ProtocolError(f"bad Content-Length: {length[:40]!r}")
    return await reader.readexactly(int(length))


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body: size lines (extensions ignored), data, then trailers up to a blank line."""
    parts: list[bytes] = []
    while True:
        size_line = (await reader.readuntil(b"\r\n"))[:-2]
        size_text = size_line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError as error:
            raise ProtocolError(f"bad chunk size: {size_line[:40]!r}") from error
        if size == 0:
            break
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise ProtocolError("a chunk does not end with CRLF")
    while await reader.readuntil(b"\r\n") != b"\r\n":
        pass  # trailer fields: not used
    return b"".join(parts)


class HttpConnection:
    """One keep-alive connection to `base_url` (http only), opened on first use.

    Not safe for concurrent use: one simulated client owns one connection and sends one request
    at a time, as a browser tab or a script would.
    """

    def __init__(
        self, base_url: str, *, timeout: float = 60.0, idle_limit: float = IDLE_LIMIT_SECONDS
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http://host[:port] URLs are supported, not {base_url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.authority = parts.netloc
        self.timeout, self.idle_limit = timeout, idle_limit
        self.connects = 0  # TCP connections opened so far
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        idempotency_key: str | None = None,
    ) -> Response:
        """Send one request and read its answer (ConnectionLost if the connection broke)."""
        body = None if json is None else orjson.dumps(json)
        fields = []
        if body is not None:
            fields.append(("Content-Type", "application/json"))
        if token is not None:
            fields.append(("Authorization", f"Bearer {token}"))
        if idempotency_key is not None:
            fields.append(("Idempotency-Key", idempotency_key))
        data = encode_request(method, path, host=self.authority, headers=fields, body=body)
        async with asyncio.timeout(self.timeout):
            return await self._exchange(method, data)

    async def _exchange(self, method: str, data: bytes) -> Response:
        reader, writer = await self._open()
        try:
            # No drain(): a request is a few hundred bytes, and the answer cannot come before
            # the transport has sent all of it.
            writer.write(data)
            response = await read_response(reader, method=method)
        except OSError as error:
            self._forget()
            raise ConnectionLost(f"{type(error).__name__}: {error}") from error
        except BaseException:
            self._forget()  # a timeout or a malformed answer leaves the stream unusable
            raise
        self._last_used = time.monotonic()
        if not response.keep_alive:
            self._forget()
        # A body delimited by the end of the connection leaves the reader at EOF: `_open`
        # replaces such a connection before the next request.
        return response

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The current connection if the server can still be relied on to read from it,
        otherwise a new one (nothing of the request has been written yet)."""
        if self._reader is not None and self._writer is not None:
            idle = time.monotonic() - self._last_used
            closed = self._reader.at_eof() or self._writer.is_closing()
            if not closed and idle <= self.idle_limit:
                return self._reader, self._writer
            self._forget()
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self.connects += 1
        return self._reader, self._writer

    def _forget(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def close(self) -> None:
        writer = self._writer
        self._forget()
        if writer is not None:
            with contextlib.suppress(OSError):  # already reset by the peer
                await writer.wait_closed()

    async def __aenter__(self) -> HttpConnection:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
