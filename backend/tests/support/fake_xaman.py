"""A local stand-in for Xaman's platform API on a real socket
(docs/xrpl-and-xaman.md#xaman-platform-api).

It answers POST/GET/DELETE /api/v1/platform/payload[/{uuid}] in Xaman's JSON shapes (as in
Xaman's docs and the fixtures of XRPL-Labs/xumm-sdk-py), keeps payloads in memory with the
txjson it received, lets a test move a payload between states or make the next calls fail, and
sends webhooks signed the way Xaman signs them. Its signing code is written independently of
`ringledger.signing.xaman` on purpose: a test that used our verifier to sign would prove nothing.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.local_http import LocalHttpServer, Received, Reply

# Shaped like real Xaman credentials (UUIDs): four hyphens, so the first-hyphen rule matters.
API_KEY = "aaaaaaaa-bbbb-4ccc-8ddd-1234567890ab"
API_SECRET = "c0ffee00-aaaa-4bbb-9ccc-0123456789ab"
PLATFORM = "/api/v1/platform/"
# Xaman's error code for bad credentials, as in XRPL-Labs' own API mock fixtures.
INVALID_CREDENTIALS_CODE = 813
_PAYLOAD_PATH = re.compile(r"^/api/v1/platform/payload/([^/?]+)$")


# The default of FakeXaman.sign's network: the one the payload forces (TESTNET if none).
_FORCED = object()
# Xaman limits options.signers to four accounts (XRPL-Labs/xumm-sdk-py issue 29).
MAX_SIGNERS = 4
_CLASSIC_ADDRESS = re.compile(r"^r[1-9A-HJ-NP-Za-km-z]{24,34}$")


class WalletRefused(Exception):
    """The Xaman app would not let this account, or this network, sign the payload."""


class Fault(enum.StrEnum):
    """What the next call suffers instead of (or on top of) its normal answer."""

    RATE_LIMITED = "rate_limited"  # 429 with X-RateLimit-* headers
    SERVER_ERROR = "server_error"  # 500 with Xaman's error body
    SLOW = "slow"  # the normal answer, after `slow_seconds`
    INVALID_JSON = "invalid_json"  # 200 with a truncated JSON body
    MISSING_FIELDS = "missing_fields"  # 200 without the answer's key object
    ILL_TYPED = "ill_typed"  # 200 with a key field of the wrong JSON type
    CONNECTION_RESET = "connection_reset"  # TCP RST after the request was read
    DEEP_NESTING = "deep_nesting"  # 200 with valid JSON nested beyond any parser's recursion


# The object each answer cannot do without (dropped by MISSING_FIELDS), and the field that
# ILL_TYPED turns into the wrong JSON type.
_KEY_OBJECT = {"create": "next", "get": "meta", "cancel": "result"}
_KEY_FIELD = {"create": ("uuid",), "get": ("meta", "signed"), "cancel": ("result", "cancelled")}


@dataclass
class FakePayload:
    """One payload as Xaman would hold it."""

    uuid: str
    txjson: dict[str, Any]
    options: dict[str, Any]
    custom_meta: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    opened: bool = False
    resolved: bool = False
    signed: bool = False
    cancelled: bool = False
    expired: bool = False
    vanished: bool = False
    txid: str | None = None
    signed_hex: str | None = None
    nodetype: str | None = None
    account: str | None = None
    resolved_at: datetime | None = None
    user_token: str = field(default_factory=lambda: str(uuid.uuid4()))


class FakeXaman:
    """Xaman's payload endpoints on 127.0.0.1; `base_url` is what XAMAN_API_BASE_URL holds."""

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        api_secret: str = API_SECRET,
        slow_seconds: float = 1.0,
        auth_failure_status: int = 401,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.slow_seconds = slow_seconds
        self.auth_failure_status = auth_failure_status
        self.application_uuid = str(uuid.uuid4())
        # Extra members merged into every create answer (e.g. an `expires_at` Xaman might add).
        self.create_extra: dict[str, Any] = {}
        # Whether the "app" enforces options.signers and options.force_network (Xaman 2.6+).
        self.honour_options = True
        self.payloads: dict[str, FakePayload] = {}
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._http = LocalHttpServer(self._handle)

    def __enter__(self) -> FakeXaman:
        self._http.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.stop()

    @property
    def base_url(self) -> str:
        return self._http.url

    @property
    def received(self) -> list[Received]:
        """Every request, in order, exactly as it arrived."""
        return self._http.received

    def fail_next(self, *faults: Fault) -> None:
        """The next len(faults) calls suffer these faults, one each, in order."""
        with self._lock:
            self._faults.extend(faults)

    # --- moving a payload between states, as the wallet user would -----------------------------

    def open(self, payload_id: str) -> None:
        """The promoter opened it in the app (it can no longer be cancelled)."""
        self.payloads[payload_id].opened = True

    def sign(
        self,
        payload_id: str,
        *,
        txid: str,
        nodetype: str | object | None = _FORCED,
        account: str | None = None,
        signed_hex: str = "",
    ) -> None:
        """Signed in the app and dispatched to the `nodetype` network (None: not dispatched).

        As the app does, it signs only with an account of `options.signers` and only on
        `options.force_network` (raising WalletRefused otherwise), unless `honour_options` is
        off, as in an app too old to know them. By default it signs with the first allowed
        account, on the forced network (TESTNET when none is forced).
        """
        payload = self.payloads[payload_id]
        signers = payload.options.get("signers") or []
        forced = payload.options.get("force_network")
        account = account or (signers[0] if signers else "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY")
        network = (forced or "TESTNET") if nodetype is _FORCED else nodetype
        if self.honour_options and signers and account not in signers:
            raise WalletRefused(f"{account} may not sign this payload (signers: {signers})")
        if self.honour_options and forced and network not in (None, forced):
            raise WalletRefused(f"the payload must be signed on {forced}, not {network}")
        assert network is None or isinstance(network, str)
        nodetype = network
        payload.opened = payload.resolved = payload.signed = True
        payload.txid, payload.nodetype, payload.account = txid, nodetype, account
        payload.signed_hex = signed_hex
        payload.resolved_at = _now()

    def reject(self, payload_id: str) -> None:
        """Opened and rejected in the app: resolved, not signed."""
        payload = self.payloads[payload_id]
        payload.opened = payload.resolved = True
        payload.resolved_at = _now()

    def expire(self, payload_id: str) -> None:
        """Nobody opened it in time."""
        self.payloads[payload_id].expired = True

    def vanish(self, payload_id: str) -> None:
        """GET answers `meta.exists: false` for it."""
        self.payloads[payload_id].vanished = True

    def forget(self, payload_id: str) -> None:
        """Xaman no longer has it at all: GET and DELETE answer 404."""
        del self.payloads[payload_id]

    # --- webhooks ------------------------------------------------------------------------------

    def webhook_body(self, payload_id: str, *, url: str) -> dict[str, Any]:
        """The callback document for a resolved payload (docs.xaman.dev, webhooks)."""
        payload = self.payloads[payload_id]
        return {
            "meta": {
                "url": url,
                "application_uuidv4": self.application_uuid,
                "payload_uuidv4": payload.uuid,
                "opened_by_deeplink": True,
            },
            "custom_meta": payload.custom_meta,
            "payloadResponse": {
                "payload_uuidv4": payload.uuid,
                "reference_call_uuidv4": str(uuid.uuid4()),
                "signed": payload.signed,
                "user_token": True,
                "return_url": {"app": None, "web": None},
                "txid": payload.txid,
            },
            "userToken": {
                "user_token": payload.user_token,
                "token_issued": int(time.time()),
                "token_expiration": int(time.time()) + 30 * 86400,
            },
        }

    def deliver_webhook(
        self,
        url: str,
        payload_id: str,
        *,
        client: httpx.Client | None = None,
        timestamp: int | None = None,
        attempt: int = 1,
    ) -> httpx.Response:
        """POST the signed callback for `payload_id` to `url` as Xaman would."""
        document = self.webhook_body(payload_id, url=url)
        return post_webhook(
            url,
            document,
            secret=self.api_secret,
            payload_id=payload_id,
            client=client,
            timestamp=timestamp,
            attempt=attempt,
        )

    # --- the HTTP side -------------------------------------------------------------------------

    def _handle(self, request: Received) -> Reply:
        fault = self._next_fault()
        if fault is Fault.CONNECTION_RESET:
            return Reply(reset=True)
        if not self._authorised(request):
            return _error(self.auth_failure_status, INVALID_CREDENTIALS_CODE)
        if fault is Fault.RATE_LIMITED:
            headers = {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "0"}
            return Reply.of_json(_error_body(429), status=429, headers=headers)
        if fault is Fault.SERVER_ERROR:
            return _error(500, 500)
        operation, reply = self._route(request)
        return _spoil(reply, operation, fault, self.slow_seconds)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _authorised(self, request: Received) -> bool:
        key = request.headers.get("x-api-key", "").encode("utf-8", "replace")
        secret = request.headers.get("x-api-secret", "").encode("utf-8", "replace")
        return hmac.compare_digest(key, self.api_key.encode()) and hmac.compare_digest(
            secret, self.api_secret.encode()
        )

    def _route(self, request: Received) -> tuple[str, Reply]:
        if request.method == "POST" and request.path == PLATFORM + "payload":
            return "create", self._create(request)
        match = _PAYLOAD_PATH.match(request.path)
        if match and request.method == "GET":
            return "get", self._get(match.group(1))
        if match and request.method == "DELETE":
            return "cancel", self._cancel(match.group(1))
        # A route Xaman does not have: a plain 404, not Xaman's "no such payload" body.
        return "none", Reply(status=404, body=b"Not Found")

    def _create(self, request: Received) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return _error(400, 400)
        txjson = body.get("txjson") if isinstance(body, dict) else None
        if not isinstance(txjson, dict) or not isinstance(txjson.get("TransactionType"), str):
            return _error(400, 400)
        options = body.get("options") or {}
        if not _valid_options(options):
            return _error(400, 400)
        # Xaman's default expiry is 240 minutes (docs/xrpl-and-xaman.md#xaman-platform-api).
        minutes = options.get("expire") or 240
        now = _now()
        payload = FakePayload(
            uuid=str(uuid.uuid4()),
            txjson=txjson,
            options=options,
            custom_meta=body.get("custom_meta") or {},
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        self.payloads[payload.uuid] = payload
        return Reply.of_json({**_created(payload, self.base_url), **self.create_extra})

    def _get(self, payload_id: str) -> Reply:
        payload = self.payloads.get(payload_id)
        if payload is None:
            return _error(404, 404)
        if payload.vanished:
            return Reply.of_json({"meta": {"exists": False, "uuid": payload_id}})
        return Reply.of_json(_payload_document(payload))

    def _cancel(self, payload_id: str) -> Reply:
        payload = self.payloads.get(payload_id)
        if payload is None:
            return _error(404, 404)
        reason = _cancel_refusal(payload)
        if reason is None:
            # "the payload will be marked as expired" (docs.xaman.dev, payload cancel).
            payload.cancelled = payload.expired = True
        result = {"cancelled": reason is None, "reason": reason or "OK"}
        document = _payload_document(payload)
        return Reply.of_json(
            {"result": result, "meta": document["meta"], "custom_meta": payload.custom_meta}
        )


def _valid_options(options: Any) -> bool:
    """`signers`: omitted, null, or one to four r-addresses; `force_network`: a network name."""
    if not isinstance(options, dict):
        return False
    signers = options.get("signers")
    if signers is not None and not (
        isinstance(signers, list)
        and 1 <= len(signers) <= MAX_SIGNERS
        and all(isinstance(item, str) and _CLASSIC_ADDRESS.match(item) for item in signers)
    ):
        return False
    forced = options.get("force_network")
    return forced is None or (isinstance(forced, str) and forced.isupper() and forced.isalpha())


def _cancel_refusal(payload: FakePayload) -> str | None:
    """Why Xaman would not cancel it now; None when it can."""
    if payload.cancelled:
        return "ALREADY_CANCELLED"
    if payload.resolved:
        return "ALREADY_RESOLVED"
    if payload.opened:
        return "ALREADY_OPENED"
    if _is_expired(payload):
        return "ALREADY_EXPIRED"
    return None


def _created(payload: FakePayload, base_url: str) -> dict[str, Any]:
    sign_url = f"{base_url}/sign/{payload.uuid}"
    return {
        "uuid": payload.uuid,
        "next": {"always": sign_url},
        "refs": {
            "qr_png": f"{sign_url}_q.png",
            "qr_matrix": f"{sign_url}_q.json",
            "qr_uri_quality_opts": ["m", "q", "h"],
            "websocket_status": sign_url.replace("http", "ws", 1),
        },
        "pushed": False,
    }


def _payload_document(payload: FakePayload) -> dict[str, Any]:
    """GET /payload/{uuid} for an existing payload (fields as in Xaman's SDK fixtures)."""
    return {
        "meta": {
            "exists": True,
            "uuid": payload.uuid,
            "multisign": False,
            "submit": bool(payload.options.get("submit")),
            "destination": "",
            "resolved_destination": "",
            "resolved": payload.resolved,
            "signed": payload.signed,
            "cancelled": payload.cancelled,
            "expired": _is_expired(payload),
            "pushed": False,
            "app_opened": payload.opened,
            "opened_by_deeplink": payload.opened,
            "return_url_app": None,
            "return_url_web": None,
            "is_xapp": False,
            "signers": payload.options.get("signers") or None,
        },
        "application": {"name": "RingLedger (fake)", "uuidv4": str(uuid.uuid4())},
        "payload": {
            "tx_type": payload.txjson["TransactionType"],
            "tx_destination": payload.txjson.get("Destination", ""),
            "tx_destination_tag": None,
            "request_json": payload.txjson,
            "origintype": "QR",
            "signmethod": "PIN" if payload.signed else None,
            "created_at": _iso(payload.created_at),
            "expires_at": _iso(payload.expires_at),
            "expires_in_seconds": int((payload.expires_at - _now()).total_seconds()),
        },
        "response": _response_block(payload),
        "custom_meta": payload.custom_meta,
    }


def _response_block(payload: FakePayload) -> dict[str, Any]:
    signed = payload.signed
    return {
        "hex": payload.signed_hex if signed else None,
        "txid": payload.txid if signed else None,
        "resolved_at": _iso(payload.resolved_at) if payload.resolved_at else None,
        "dispatched_to": "wss://s.altnet.rippletest.net:51233" if signed else None,
        "dispatched_result": "tesSUCCESS" if signed else None,
        "dispatched_nodetype": payload.nodetype if signed else None,
        "multisign_account": "",
        "account": payload.account if payload.resolved else None,
    }


def deeply_nested(depth: int = 100_000) -> bytes:
    """A JSON array `depth` levels deep: valid JSON that exhausts a recursive parser."""
    return b"[" * depth + b"]" * depth


def _spoil(reply: Reply, operation: str, fault: Fault | None, slow_seconds: float) -> Reply:
    """Apply a fault that keeps the request's effect but changes what comes back."""
    if fault is Fault.SLOW:
        return Reply(reply.status, reply.body, reply.headers, delay_seconds=slow_seconds)
    if fault is Fault.INVALID_JSON:
        return Reply(200, reply.body[: len(reply.body) // 2], reply.headers)
    if fault is Fault.DEEP_NESTING:
        return Reply(200, deeply_nested(), reply.headers)
    if fault is Fault.MISSING_FIELDS and operation in _KEY_OBJECT:
        document = json.loads(reply.body)
        document.pop(_KEY_OBJECT[operation], None)
        return Reply.of_json(document, status=reply.status)
    if fault is Fault.ILL_TYPED and operation in _KEY_FIELD:
        document = json.loads(reply.body)
        *parents, name = _KEY_FIELD[operation]
        holder = document
        for parent in parents:
            holder = holder[parent]
        # A string becomes a number, anything else a string: valid JSON, wrong type.
        holder[name] = 12345 if isinstance(holder[name], str) else "yes"
        return Reply.of_json(document, status=reply.status)
    return reply


def _error_body(code: int) -> dict[str, Any]:
    # Xaman's error shape; codes other than 404 and 813 are not documented, we echo the status.
    return {"error": {"reference": str(uuid.uuid4()), "code": code}}


def _error(status: int, code: int) -> Reply:
    return Reply.of_json(_error_body(code), status=status)


def _is_expired(payload: FakePayload) -> bool:
    return payload.expired or (not payload.opened and _now() > payload.expires_at)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def xaman_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """Xaman's webhook signature: createHmac('sha1', secret.replace('-', '')) over ts + body."""
    # JavaScript's String.replace with a string pattern replaces the first occurrence only.
    position = secret.find("-")
    key = secret if position < 0 else secret[:position] + secret[position + 1 :]
    return hmac.new(key.encode(), timestamp.encode() + body, hashlib.sha1).hexdigest()


def post_webhook(
    url: str,
    document: dict[str, Any],
    *,
    secret: str,
    payload_id: str,
    client: httpx.Client | None = None,
    timestamp: int | None = None,
    attempt: int = 1,
) -> httpx.Response:
    """POST `document` as Xaman's webhook sender does (XRPL-Labs/XummAPI-Webhook-Proxy send.mjs).

    Body = JSON.stringify(document) (compact, UTF-8); timestamp = Unix seconds as a string;
    signature over timestamp + body. Works with any httpx.Client, Starlette's TestClient included.
    """
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "content-type": "application/json",
        "user-agent": "xumm-webhook",
        "x-xumm-attempt": str(attempt),
        "x-xumm-payload": payload_id,
        "x-xumm-request-timestamp": stamp,
        "x-xumm-request-signature": xaman_signature(secret=secret, timestamp=stamp, body=body),
    }
    if client is not None:
        return client.post(url, content=body, headers=headers)
    with httpx.Client(timeout=15.0) as own:  # Xaman gives up on a callback after 15 s
        return own.post(url, content=body, headers=headers)
