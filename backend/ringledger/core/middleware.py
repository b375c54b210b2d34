"""The outermost ASGI layer: request id, security headers, 64 KiB body limit, access log and
metrics, and a JSON 500 for a failure that nothing inside answered."""

from __future__ import annotations

import json
import logging
import os
import random
import re
import time
from typing import Any

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from ringledger.core.context import add_log_fields, log_fields_var, request_id_var
from ringledger.core.metrics import ERRORS, LATENCY, REQUESTS

MAX_BODY_BYTES = 64 * 1024
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
access_log = logging.getLogger("ringledger.access")
log = logging.getLogger(__name__)
_TOO_LARGE = "The request body is larger than 64 KiB."


class RequestContextMiddleware:
    """Wraps the application (`fastapi`): one layer, one `send` wrapper per request."""

    def __init__(self, app: FastAPI) -> None:
        self.fastapi = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fastapi(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or _new_request_id()
        id_token = request_id_var.set(request_id)
        fields: dict[str, str] = {}
        fields_token = log_fields_var.set(fields)
        started = time.perf_counter()
        answered: list[int] = []  # the status, once the response has started

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered.append(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(_protections(headers))
                message = {**message, "headers": headers}
            await send(message)

        try:
            body = await _read_limited(receive)
            if body is None:
                await _send_error(send_with_id, 413, "payload_too_large", _TOO_LARGE)
                return
            await self.fastapi(scope, _replay(body, receive), send_with_id)
        except Exception:
            if not answered:
                # A failure outside Starlette's error layer: still a JSON 500 with the request
                # id, never a bare connection reset.
                log.exception("unhandled error before the application answered")
                await _send_internal_error(send_with_id, request_id)
            # Otherwise Starlette has already logged it and sent the 500 body; re-raising would
            # only make the server print the same traceback a second time.
        finally:
            _finish(scope, answered[0] if answered else 500, time.perf_counter() - started, fields)
            log_fields_var.reset(fields_token)
            request_id_var.reset(id_token)


# The console is the service's own scripts and styles only (no inline script, no third-party
# origin); QR codes are drawn into data: images. Nothing may frame a page of ours (clickjacking),
# no response is content-sniffed, and no address of ours leaks as a Referer to explorer links.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_ALWAYS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
# API answers (JSON, the metrics text) may carry tokens or account data: never stored by a
# browser or a shared cache (OAuth 2.0, RFC 6749 §5.1, for the token response).
_NO_STORE = (b"cache-control", b"no-store")
_API_TYPES = (b"application/json", b"text/plain")


def _protections(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The security headers every response gets; `no-store` for every API answer."""
    names = {name.lower() for name, _ in headers}
    added = [header for header in _ALWAYS if header[0] not in names]
    content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
    if content_type.startswith(_API_TYPES) and b"cache-control" not in names:
        added.append(_NO_STORE)
    return added


# A request id has to be unique, not secret: 128 bits from a generator of the process's own,
# seeded from the system's randomness at start-up and again in every forked child, cost a
# fraction of uuid4(), which reads the kernel's randomness on every request.
_ID_BITS = random.Random()  # noqa: S311 - an id to find log lines by, not a secret
os.register_at_fork(after_in_child=_ID_BITS.seed)


def _new_request_id() -> str:
    """A new request id: 32 hex digits (docs/api.md, "Request id")."""
    return f"{_ID_BITS.getrandbits(128):032x}"


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _REQUEST_ID.match(text) else None
    return None


async def _read_limited(receive: Receive) -> bytes | None:
    """The whole request body, or None once it passes the limit (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, upstream: Receive) -> Receive:
    """Hand the app the body we already read, then the server's own messages.

    After the body, only the server knows whether the client went away: file responses wait on
    `receive` for a disconnect while they stream, so inventing one would cut them short.
    """
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await upstream()

    return receive


async def _send_error(send: Send, status: int, code: str, detail: str) -> None:
    add_log_fields(error_code=code)
    body = json.dumps({"detail": detail, "code": code}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _send_internal_error(send: Send, request_id: str) -> None:
    body = json.dumps(
        {
            "detail": "An internal error occurred. Quote the request id when reporting it.",
            "code": "internal_error",
            "request_id": request_id,
        }
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# The counter and histogram of each (method, route, status) seen, found once: `labels()` checks
# and looks its arguments up on every call. Bounded: the routes, the methods the HTTP parser
# knows and the status codes.
_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _series(method: str, template: str, status: int) -> tuple[Any, Any]:
    key = (method, template, status)
    found = _SERIES.get(key)
    if found is None:
        found = _SERIES[key] = (
            REQUESTS.labels(method, template, str(status)),
            LATENCY.labels(method, template),
        )
    return found


def _finish(scope: Scope, status: int, elapsed: float, known: dict[str, str]) -> None:
    route = scope.get("route")
    template = getattr(route, "path", None) or "unmatched"
    method = scope.get("method", "-")
    requests, latency = _series(method, template, status)
    requests.inc()
    latency.observe(elapsed)
    code = known.get("error_code")
    if code is not None:
        ERRORS.labels(template, code).inc()
    # A 5xx is something an operator must look at; the rest is the normal flow of traffic.
    level = logging.WARNING if status >= 500 else logging.INFO
    if not access_log.isEnabledFor(level):
        return
    fields: dict[str, object] = {
        "method": method,
        "route": template,
        "status": status,
        "latency_ms": round(elapsed * 1000, 1),
        **known,
    }
    access_log.log(level, "%s %s -> %s", method, template, status, extra={"fields": fields})
