"""OpenAPI descriptions of our error bodies, so every route documents what it can answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    detail: str = Field(description="A sentence for people.")
    code: str = Field(description="A stable machine code.")
    failure_code: str | None = Field(default=None, description="The confirm failure taxonomy code.")
    errors: list[FieldError] | None = Field(default=None, description="Each invalid field.")
    request_id: str | None = None


_DESCRIPTIONS = {
    400: "Malformed request (a body that cannot be decoded, a missing or invalid "
    "Idempotency-Key, a bad observed status or cursor)",
    401: "Missing, invalid or expired bearer token, or bad credentials",
    403: "Your role may not use this operation",
    404: "Not found, or not visible to you",
    409: "Lifecycle state conflict or idempotency conflict",
    413: "Request body larger than 64 KiB",
    422: "Validation error or deterministic confirm failure",
    429: "Too many attempts: failed logins, or registrations from one address (see Retry-After)",
    502: "Xaman or the XRPL node failed; nothing changed",
    503: "The database is unreachable or busy (retry); /readyz: not ready",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status with the shared error body."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        for status in sorted({*statuses, 400, 413, 503})
    }
