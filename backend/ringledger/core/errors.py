"""One error hierarchy for the whole service, rendered as `{"detail", "code", ...}`."""

from __future__ import annotations

from typing import Any


class RingLedgerError(Exception):
    """An expected failure with an HTTP status and a machine code.

    `keep_changes` marks rejections that must still commit what was written before raising
    (the audit row of a refused transition, the failure code stored on an escrow).
    """

    status = 400
    code = "bad_request"
    keep_changes = False

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, **self.extra}

    def headers(self) -> dict[str, str] | None:
        return None


class BadRequest(RingLedgerError):
    status = 400
    code = "bad_request"


class NotAuthenticated(RingLedgerError):
    status = 401
    code = "not_authenticated"

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(RingLedgerError):
    status = 403
    code = "forbidden"


class NotFound(RingLedgerError):
    status = 404
    code = "not_found"


class Conflict(RingLedgerError):
    status = 409
    code = "conflict"


class StateConflict(Conflict):
    """A lifecycle guard refused the move; the audit row written before raising is kept."""

    code = "state_conflict"
    keep_changes = True


class StorageConflict(Conflict):
    """A database constraint refused a write that raced another request (nothing was stored)."""

    code = "state_conflict"


class Unprocessable(RingLedgerError):
    status = 422
    code = "validation_error"


class RateLimited(RingLedgerError):
    status = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}


class UpstreamUnavailable(RingLedgerError):
    status = 502
    code = "upstream_unavailable"


class DatabaseUnavailable(RingLedgerError):
    """The database could not be reached, or a lock wait ran out; nothing was changed."""

    status = 503
    code = "database_unavailable"

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": "1"}


class NotReady(RingLedgerError):
    status = 503
    code = "not_ready"
