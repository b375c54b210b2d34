"""Render every error as `{"detail", "code", ...}`: ours, validation, HTTP and unhandled ones."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringledger.core.context import add_log_fields, request_id_var
from ringledger.core.errors import NotAuthenticated, RingLedgerError
from ringledger.core.json_body import BodyRefused

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
_MAX_MESSAGE = 200


def error_response(error: RingLedgerError) -> JSONResponse:
    add_log_fields(error_code=error.code, failure_code=error.extra.get("failure_code"))
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers())


async def ringledger_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RingLedgerError)
    return error_response(error)


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    unauthenticated = _unauthenticated(request)
    if unauthenticated is not None:
        return unauthenticated
    cause = error.__cause__  # FastAPI raises it `from` the decoding error
    if isinstance(cause, BodyRefused):
        errors = [_refusal(cause)]
    else:
        errors = [_describe(item) for item in error.errors()]
    add_log_fields(error_code="validation_error")
    return JSONResponse(
        {"detail": "The request is not valid.", "code": "validation_error", "errors": errors},
        status_code=422,
    )


def _refusal(refused: BodyRefused) -> dict[str, str]:
    field = refused.field.removeprefix("body.")
    return {"field": field, "message": refused.message, "type": refused.kind}


def _describe(item: dict[str, Any]) -> dict[str, str]:
    # Never echo the offending input back: it can be huge or hold something secret.
    location = [str(part) for part in item.get("loc", ())]
    if location and location[0] in ("body", "query", "path", "header"):
        location = location[1:]
    message = str(item.get("msg", "invalid value"))[:_MAX_MESSAGE]
    return {
        "field": ".".join(location) or "body",
        "message": message,
        "type": str(item.get("type")),
    }


async def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400:
        refused = _unauthenticated(request)
        if refused is not None:
            return refused
    code = _HTTP_CODES.get(error.status_code, "http_error")
    detail = error.detail if isinstance(error.detail, str) else "The request failed."
    return JSONResponse(
        {"detail": detail, "code": code}, status_code=error.status_code, headers=error.headers
    )


async def unhandled_error(_: Request, error: Exception) -> JSONResponse:
    request_id = request_id_var.get()
    log.exception("unhandled error", exc_info=error)
    return JSONResponse(
        {
            "detail": "An internal error occurred. Quote the request id when reporting it.",
            "code": "internal_error",
            "request_id": request_id,
        },
        status_code=500,
    )


def _unauthenticated(request: Request) -> JSONResponse | None:
    """The 401 a route that needs a token owes a caller without a valid one.

    FastAPI decodes and validates the body before any dependency runs; docs/api.md's order is 401
    first, so a malformed body from an anonymous caller must still be answered 401.
    """
    from ringledger.core.deps import BearerGate, bearer_claims

    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None or not _depends_on(dependant, BearerGate):
        return None
    try:
        bearer_claims(request)
    except NotAuthenticated as refusal:
        return error_response(refusal)
    return None


def _depends_on(dependant: Any, kind: type) -> bool:
    return any(
        isinstance(sub.call, kind) or _depends_on(sub, kind) for sub in dependant.dependencies
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RingLedgerError, ringledger_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unhandled_error)
