"""XAMAN_MODE=api: sign requests through Xaman's platform API
(docs/xrpl-and-xaman.md#xaman-platform-api).

One `httpx.AsyncClient` per process carries the credentials as headers; they never appear in an
error detail. Every failure of Xaman (transport, timeout, 4xx/5xx, 429, an answer we cannot read)
becomes `SigningUnavailable` (502 xaman_unavailable, nothing changed). No retries here: the
reconcile worker owns bounded retries with backoff, so a request path never hammers Xaman.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import orjson

from ringledger.core.config import Settings
from ringledger.core.metrics import OUTSIDE_CALLS
from ringledger.core.timeutil import utcnow
from ringledger.signing.interface import (
    WITHDRAWN_REASON,
    PayloadOutcome,
    SigningUnavailable,
    SignRequest,
)
from ringledger.signing.models import SigningStatus

log = logging.getLogger(__name__)

PLATFORM_PATH = "/api/v1/platform/"
WEBHOOK_TIMESTAMP_HEADER = "x-xumm-request-timestamp"
WEBHOOK_SIGNATURE_HEADER = "x-xumm-request-signature"
# Xaman re-signs every webhook retry, so a genuine delivery is always fresh
# (docs/xrpl-and-xaman.md#the-webhook-and-its-signature).
WEBHOOK_MAX_AGE_SECONDS = 600
WEBHOOK_MAX_AHEAD_SECONDS = 60
CANCEL_REASONS = frozenset(
    {"OK", "ALREADY_CANCELLED", "ALREADY_RESOLVED", "ALREADY_OPENED", "ALREADY_EXPIRED"}
)
# cancel_with_reason's answer when Xaman does not know the payload: nothing left to withdraw.
CANCEL_NOT_FOUND = "NOT_FOUND"
# Cancel answers after which nobody can sign the payload any more.
WITHDRAWN = frozenset({"OK", "ALREADY_CANCELLED", CANCEL_NOT_FOUND})

_TX_HASH = re.compile(r"[0-9A-Fa-f]{64}")
_SIGNATURE = re.compile(r"[0-9A-Fa-f]{40}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_PRINTABLE = re.compile(r"[^A-Za-z0-9_.:-]")
_MISSING = object()
T = TypeVar("T")


class _BadAnswer(Exception):
    """Xaman's answer lacks a field we rely on, or carries it with the wrong type."""


def build_http_client(
    *, base_url: str, api_key: str, api_secret: str, timeout_seconds: float
) -> httpx.AsyncClient:
    """The one HTTP client for Xaman's platform API, credentials in its default headers."""
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/") + PLATFORM_PATH,
        headers={
            "X-API-Key": api_key,
            "X-API-Secret": api_secret,
            "Content-Type": "application/json",
        },
        timeout=timeout_seconds,
    )


class XamanSigning:
    """`SigningService` on Xaman's platform API: create, read and cancel payloads."""

    mode = "api"

    def __init__(self, *, client: httpx.AsyncClient, network: str = "TESTNET") -> None:
        self._client = client
        self._network = network.strip().upper()

    @classmethod
    def from_settings(cls, settings: Settings) -> XamanSigning:
        """Build the client from XAMAN_* settings; XRPL_NETWORK guards signed payloads."""
        if settings.XAMAN_API_KEY is None or settings.XAMAN_API_SECRET is None:
            raise ValueError("XAMAN_MODE=api needs XAMAN_API_KEY and XAMAN_API_SECRET")
        client = build_http_client(
            base_url=settings.XAMAN_API_BASE_URL,
            api_key=settings.XAMAN_API_KEY.get_secret_value(),
            api_secret=settings.XAMAN_API_SECRET.get_secret_value(),
            timeout_seconds=settings.XAMAN_TIMEOUT_SECONDS,
        )
        return cls(client=client, network=settings.XRPL_NETWORK)

    async def create(
        self,
        *,
        txjson: dict[str, Any],
        identifier: str,
        instruction: str,
        expire_minutes: int,
        signer: str,
    ) -> SignRequest:
        """POST /payload; the wallet submits the signed transaction itself (`submit: true`).

        `signers` makes Xaman itself refuse any account but the promoter's, and `force_network`
        makes the app switch to our network before signing: a wrong account or a Testnet
        signature for a Mainnet service is stopped in the wallet, before it reaches a ledger.
        """
        body = {
            "txjson": txjson,
            "options": {
                "submit": True,
                "expire": expire_minutes,
                "signers": [signer],
                "force_network": self._network,
            },
            "custom_meta": {"identifier": identifier, "instruction": instruction},
        }
        # Taken before the call so our expiry is never later than the one Xaman computes.
        fallback_expiry = utcnow().replace(microsecond=0) + timedelta(minutes=expire_minutes)
        answer = await self._request("create", "POST", "payload", body=body)
        request = self._parse("create", _sign_request, answer, fallback_expiry, self.mode)
        self._count("create", "ok")
        return request

    async def status(
        self, *, payload_id: str, observed_status: str | None, observed_tx_hash: str | None
    ) -> PayloadOutcome:
        """GET /payload/{uuid}, classified as docs/xrpl-and-xaman.md#read-a-payload-get-payloaduuid
        says; `observed_*` are ignored."""
        answer = await self._request(
            "status", "GET", _payload_path(payload_id), not_found_is_answer=True
        )
        if answer is None:
            self._count("status", "not_found")
            return PayloadOutcome(
                status=SigningStatus.UNKNOWN, reason="Xaman does not know this payload (404)"
            )
        outcome = self._parse("status", _classify, answer, self._network)
        self._count("status", "ok")
        return outcome

    async def cancel(self, *, payload_id: str) -> None:
        """DELETE /payload/{uuid}; every documented reason is a normal answer."""
        await self.cancel_with_reason(payload_id=payload_id)

    async def withdraw(self, *, payload_id: str) -> PayloadOutcome:
        """DELETE, then, unless Xaman cancelled it, GET: signed, opened or gone meanwhile?"""
        reason = await self.cancel_with_reason(payload_id=payload_id)
        if reason in WITHDRAWN:
            return PayloadOutcome(status=SigningStatus.DECLINED, reason=WITHDRAWN_REASON)
        # ALREADY_RESOLVED (signed or rejected), ALREADY_OPENED (still signable), ALREADY_EXPIRED
        # (opened in time, it may still be signed): only Xaman's own status tells.
        return await self.status(payload_id=payload_id, observed_status=None, observed_tx_hash=None)

    async def cancel_with_reason(self, *, payload_id: str) -> str:
        """Cancel; Xaman's `result.reason`, or NOT_FOUND when Xaman has no such payload."""
        answer = await self._request(
            "cancel", "DELETE", _payload_path(payload_id), not_found_is_answer=True
        )
        if answer is None:
            self._count("cancel", "not_found")
            return CANCEL_NOT_FOUND
        reason = self._parse("cancel", _cancel_reason, answer)
        self._count("cancel", "ok")
        return reason

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def _request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        not_found_is_answer: bool = False,
    ) -> dict[str, Any] | None:
        """One HTTP exchange; None only for Xaman's own 404 when the caller accepts it."""
        try:
            response = await self._client.request(method, path, json=body)
        except httpx.TimeoutException as error:
            raise self._failure(operation, "timeout", "Xaman did not answer in time") from error
        except httpx.HTTPError as error:
            detail = f"could not reach Xaman ({type(error).__name__})"
            raise self._failure(operation, "unreachable", detail) from error
        document = _json_or_none(response)
        if response.status_code == 404 and not_found_is_answer and _is_xaman_404(document):
            return None
        if not response.is_success:
            raise self._http_failure(operation, response, document)
        if not isinstance(document, dict):
            raise self._failure(operation, "invalid_answer", "Xaman answered with invalid JSON")
        return document

    def _parse(self, operation: str, parse: Callable[..., T], *args: Any) -> T:
        """Run a parser over Xaman's answer; a missing or ill-typed field is SigningUnavailable."""
        try:
            return parse(*args)
        except _BadAnswer as error:
            raise self._failure(
                operation, "invalid_answer", f"Xaman's answer is unusable: {error}"
            ) from None

    def _http_failure(
        self, operation: str, response: httpx.Response, document: Any
    ) -> SigningUnavailable:
        code = response.status_code
        suffix = _error_suffix(document)
        if code == 429:
            limits = _rate_limit_note(response.headers)
            return self._failure(operation, "rate_limited", f"Xaman rate-limited us{limits}")
        if code in (401, 403):
            detail = f"Xaman refused our API credentials (HTTP {code}{suffix})"
            return self._failure(operation, "refused", detail)
        if code >= 500:
            return self._failure(operation, "server_error", f"Xaman failed (HTTP {code}{suffix})")
        detail = f"Xaman rejected the request (HTTP {code}{suffix})"
        return self._failure(operation, "http_error", detail)

    def _failure(self, operation: str, outcome: str, detail: str) -> SigningUnavailable:
        self._count(operation, outcome)
        log.warning("xaman %s failed: %s", operation, detail)
        return SigningUnavailable(detail)

    @staticmethod
    def _count(operation: str, outcome: str) -> None:
        OUTSIDE_CALLS.labels("xaman", operation, outcome).inc()


def _payload_path(payload_id: str) -> str:
    """`payload/<uuid>`; anything but a UUID is refused before it can reach the URL path."""
    return f"payload/{uuid.UUID(payload_id)}"


def _json_or_none(response: httpx.Response) -> Any:
    """The answer's JSON, or None. orjson: strict UTF-8 and a bounded nesting depth, so an
    absurd answer is refused instead of exhausting the standard library's recursion."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _is_xaman_404(document: Any) -> bool:
    """Xaman's own "no such payload" (`{"error": {"reference", "code": 404}}`), not a proxy's."""
    error = document.get("error") if isinstance(document, dict) else None
    return isinstance(error, dict) and error.get("code") == 404


def _error_suffix(document: Any) -> str:
    """`, error 813, reference …` from Xaman's error body, when it has one."""
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return ""
    parts = []
    if isinstance(error.get("code"), int):
        parts.append(f"error {error['code']}")
    if isinstance(error.get("reference"), str):
        parts.append(f"reference {_printable(error['reference'])}")
    return "".join(f", {part}" for part in parts)


def _rate_limit_note(headers: httpx.Headers) -> str:
    limit = headers.get("X-RateLimit-Limit", "")
    remaining = headers.get("X-RateLimit-Remaining", "")
    if limit.isdigit() and remaining.isdigit():
        return f" (HTTP 429, {remaining} of {limit} calls left)"
    return " (HTTP 429)"


def _printable(value: str, limit: int = 64) -> str:
    """Text from outside, reduced to harmless characters before it goes into a detail."""
    return _PRINTABLE.sub("", value)[:limit]


def _walk(document: Any, path: str) -> Any:
    """The value at dotted `path`, or _MISSING when a level is absent or not an object."""
    value = document
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _typed(value: Any, path: str, kind: type[T]) -> T:
    # bool is an int in Python; a JSON true is never a number here, and a number never a flag.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _BadAnswer(f"{path} is not a {kind.__name__}")
    return value


def _get(document: Any, path: str, kind: type[T]) -> T:
    """The value at dotted `path`; missing or of another type is a bad answer."""
    value = _walk(document, path)
    if value is _MISSING:
        raise _BadAnswer(f"{path} is missing")
    return _typed(value, path, kind)


def _get_optional(document: Any, path: str, kind: type[T]) -> T | None:
    """Like `_get`, but a missing or null field is None."""
    value = _walk(document, path)
    return None if value is _MISSING or value is None else _typed(value, path, kind)


def _sign_request(answer: Any, fallback_expiry: datetime, mode: str) -> SignRequest:
    payload_id = _get(answer, "uuid", str)
    try:
        uuid.UUID(payload_id)
    except ValueError:
        raise _BadAnswer("uuid is not a UUID") from None
    return SignRequest(
        payload_id=payload_id,
        deep_link_url=_get(answer, "next.always", str),
        qr_png_url=_get(answer, "refs.qr_png", str),
        websocket_status_url=_get(answer, "refs.websocket_status", str),
        expires_at=_expiry(answer) or fallback_expiry,
        mode=mode,
    )


def _expiry(answer: Any) -> datetime | None:
    """An expiry in the create answer, if Xaman sends one (it documents none today)."""
    text = _get_optional(answer, "expires_at", str) or _get_optional(
        answer, "payload.expires_at", str
    )
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
        # An offset at the edge of the calendar cannot be brought to UTC (OverflowError).
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _BadAnswer("expires_at is not an ISO 8601 time in range") from None


def _classify(answer: Any, network: str) -> PayloadOutcome:
    """Signed, then declined, then expired, else open; gone is unknown
    (docs/xrpl-and-xaman.md#read-a-payload-get-payloaduuid)."""
    if not _get(answer, "meta.exists", bool):
        return PayloadOutcome(
            status=SigningStatus.UNKNOWN, reason="Xaman reports that this payload does not exist"
        )
    flags = ("signed", "cancelled", "resolved", "expired")
    signed, cancelled, resolved, expired = (_get(answer, f"meta.{flag}", bool) for flag in flags)
    if signed:
        return _signed_outcome(answer, network)
    if cancelled:
        return PayloadOutcome(status=SigningStatus.DECLINED, reason="cancelled in Xaman")
    if resolved:
        return PayloadOutcome(status=SigningStatus.DECLINED, reason="rejected in Xaman")
    if expired:
        return PayloadOutcome(
            status=SigningStatus.EXPIRED, reason="expired in Xaman before it was resolved"
        )
    return PayloadOutcome(status=SigningStatus.OPEN, reason="waiting for the signer in Xaman")


def _signed_outcome(answer: Any, network: str) -> PayloadOutcome:
    """Signed only on our network: a MAINNET signature must never settle a TESTNET escrow."""
    txid = _get(answer, "response.txid", str)
    if not _TX_HASH.fullmatch(txid):
        raise _BadAnswer("response.txid is not a transaction hash")
    nodetype = _get_optional(answer, "response.dispatched_nodetype", str)
    if nodetype is None or nodetype.strip().upper() != network:
        where = _printable(nodetype, 32) if nodetype else "an unnamed network"
        reason = f"signed on {where} (txid {txid.upper()}), this service expects {network}"
        return PayloadOutcome(status=SigningStatus.UNKNOWN, reason=reason)
    return PayloadOutcome(status=SigningStatus.SIGNED, tx_hash=txid.upper())


def _cancel_reason(answer: Any) -> str:
    _get(answer, "result.cancelled", bool)
    reason = _get(answer, "result.reason", str)
    if reason not in CANCEL_REASONS:
        # Cancelling is best effort; a reason Xaman added later is logged, not an outage.
        log.info("xaman cancel answered an undocumented reason %r", _printable(reason))
    return reason


def webhook_key(secret: str) -> bytes:
    """Xaman's HMAC key: the API secret with only its first hyphen removed.

    Xaman's reference code uses JavaScript `secret.replace('-', '')`, which replaces the first
    match only (docs.xaman.dev, webhooks/signature-verification).
    """
    return secret.replace("-", "", 1).encode()


def verify_webhook_signature(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float | None = None,
) -> bool:
    """True only for a fresh webhook whose hex HMAC-SHA1 over timestamp + raw body matches."""
    if not secret or timestamp is None or signature is None:
        return False
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return False
    # Unix seconds: Xaman's sender stamps String(Math.round(new Date() / 1000))
    # (XRPL-Labs/XummAPI-Webhook-Proxy, send.mjs).
    age = (time.time() if now is None else now) - int(timestamp)
    if age > WEBHOOK_MAX_AGE_SECONDS or age < -WEBHOOK_MAX_AHEAD_SECONDS:
        return False
    expected = hmac.new(webhook_key(secret), timestamp.encode() + body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.lower().encode())
