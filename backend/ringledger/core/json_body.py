"""How every route reads a JSON body: UTF-8 only, and no string PostgreSQL cannot store.

FastAPI decodes a JSON body with the standard library, which also reads UTF-16 and UTF-32
(`json.detect_encoding`) and lets lone surrogates and the NUL character (`\\u0000`) through into
strings. PostgreSQL's text types can hold neither, so such a string reached the database as a
500. RFC 8259 §8.1 says JSON exchanged between systems is UTF-8; this reader takes exactly that
(orjson: strict UTF-8, no lone surrogates, nesting limited to 1,024 levels, no NaN), and refuses
a string or key holding NUL, naming the field.

The refusal is a `json.JSONDecodeError`, which FastAPI turns into its request-validation error:
the error handler then answers 401 first to a caller without a valid token, as for any other
invalid body (docs/api.md, "Errors"), and renders the field the refusal names.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from ringledger.core.fast_routes import FastPlan

_NUL_ESCAPE = b"\\u0000"  # the only way a NUL can be in valid JSON text (raw control bytes are not)
_NOT_UTF8 = "The request body must be JSON encoded as UTF-8."
_NUL = "The text contains a NUL character (\\u0000), which no field accepts."


class BodyRefused(json.JSONDecodeError):
    """A body this service does not read, with the field and the error type to report."""

    def __init__(self, message: str, body: bytes, *, field: str, kind: str) -> None:
        super().__init__(message, body.decode("utf-8", "replace"), 0)
        self.message, self.field, self.kind = message, field, kind


def parse(body: bytes) -> Any:
    """The JSON document in `body` (UTF-8, an optional byte order mark ignored), or BodyRefused."""
    if body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]  # RFC 8259 §8.1 lets a parser ignore it
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        message = _NOT_UTF8 if _undecodable(body) else f"The body is not valid JSON: {error.msg}."
        raise BodyRefused(message, body, field="body", kind="json_invalid") from None
    if _NUL_ESCAPE in body:  # rare: only then is the document searched
        where = _nul_in(document, "body")
        if where is not None:
            raise BodyRefused(_NUL, body, field=where, kind="nul_character")
    return document


def _undecodable(body: bytes) -> bool:
    """Not UTF-8 text: UTF-16 and UTF-32 have NUL bytes, which valid UTF-8 JSON never has."""
    if b"\x00" in body:
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _nul_in(value: Any, path: str) -> str | None:
    """The dotted path of the first string or key holding NUL, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return path  # the key itself is never echoed
            found = _nul_in(item, f"{path}.{key[:64]}")
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{path}.{index}")
            if found is not None:
                return found
    return None


class JsonBodyRequest(Request):
    """A request whose `json()` is `parse` (the only method FastAPI uses to decode a body)."""

    async def json(self) -> Any:
        return parse(await self.body())


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class JsonBodyRoute(APIRoute):
    """An API route that hands FastAPI a `JsonBodyRequest` (FastAPI's documented way to change
    how a route reads its request: a custom `route_class`), and serves its well-formed
    requests by its `FastPlan` when it has one."""

    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()
        plan = FastPlan.of(self)

        async def handle_strictly(request: Request) -> Response:
            strict = JsonBodyRequest(request.scope, request.receive)
            if plan is not None:
                served = await plan.serve(strict)
                if served is not None:
                    return served
            return await handle(strict)

        return handle_strictly


def api_router(**options: Any) -> APIRouter:
    """An `APIRouter` whose routes read bodies with `parse`; every router of the service is one."""
    return APIRouter(route_class=JsonBodyRoute, **options)
