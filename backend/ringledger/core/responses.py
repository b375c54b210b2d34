"""JSON answers serialized once, by orjson.

Routes that build their answer as plain data return `json_response(...)` and declare the schema
with `response_model=`, which keeps the OpenAPI document exact while skipping a second
validation of data the service built itself. orjson writes the same compact JSON as Starlette's
encoder (no spaces, UTF-8 as is), so the bytes on the wire do not change.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.responses import Response


def json_response(content: Any, status_code: int = 200) -> Response:
    return Response(dumps(content), status_code=status_code, media_type="application/json")


def dumps(content: Any) -> bytes:
    """Compact JSON; the database driver's own UUID type is written as a uuid.UUID would be."""
    return orjson.dumps(content, default=_as_text)


def _as_text(value: object) -> str:
    if isinstance(value, uuid.UUID):  # asyncpg's UUID subclasses it; orjson knows only the base
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
