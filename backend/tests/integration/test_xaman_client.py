"""XamanSigning against a local Xaman stand-in over real HTTP (docs/xrpl-and-xaman.md#xaman-platform-api)."""

from __future__ import annotations

import json
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from ringledger.core.config import Settings
from ringledger.signing.interface import SigningUnavailable
from ringledger.signing.models import SigningStatus
from ringledger.signing.xaman import (
    CANCEL_NOT_FOUND,
    XamanSigning,
    build_http_client,
    verify_webhook_signature,
)
from tests.support.fake_xaman import API_KEY, API_SECRET, FakeXaman, Fault, WalletRefused
from tests.support.local_http import LocalHttpServer, Reply, refused_url

pytestmark = [pytest.mark.anyio, pytest.mark.no_db]

TX_HASH = "9b124c14528ed14c0bda17075a39b90abed598b77a22dfeebd913cac07a513bc"
PROMOTER = "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY"
TXJSON = {
    "TransactionType": "EscrowCreate",
    "Account": PROMOTER,
    "Destination": "rwietsevLFg8XSmG3bEZzFein1g8RBqWDZ",
    "Amount": "25000000",
    "FinishAfter": 857_000_000,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> Iterator[FakeXaman]:
    # A slow answer sleeps far past the impatient timeout; stopping the server wakes it.
    with FakeXaman(slow_seconds=5.0) as server:
        yield server


def settings_for(fake: FakeXaman, **overrides: Any) -> Settings:
    """api-mode settings pointing at the fake (a timeout no busy test machine trips)."""
    values: dict[str, Any] = {
        "XAMAN_MODE": "api",
        "XAMAN_API_KEY": fake.api_key,
        "XAMAN_API_SECRET": fake.api_secret,
        "XAMAN_API_BASE_URL": fake.base_url,
        "XAMAN_TIMEOUT_SECONDS": 5,
        "XRPL_NETWORK": "TESTNET",
    }
    return Settings(**{**values, **overrides})


@pytest.fixture
async def xaman(fake: FakeXaman) -> AsyncIterator[XamanSigning]:
    signing = XamanSigning.from_settings(settings_for(fake))
    yield signing
    await signing.aclose()


@pytest.fixture
async def impatient(fake: FakeXaman) -> AsyncIterator[XamanSigning]:
    """The client for the slow-Xaman cases: gives up after 0.3 s."""
    signing = XamanSigning.from_settings(settings_for(fake, XAMAN_TIMEOUT_SECONDS=0.3))
    yield signing
    await signing.aclose()


async def new_payload(xaman: XamanSigning, identifier: str = "attempt-1") -> str:
    request = await xaman.create(
        txjson=TXJSON,
        identifier=identifier,
        instruction="Sign the show escrow",
        expire_minutes=15,
        signer=PROMOTER,
    )
    return request.payload_id


async def status_of(xaman: XamanSigning, payload_id: str) -> Any:
    return await xaman.status(payload_id=payload_id, observed_status=None, observed_tx_hash=None)


def calls(operation: str, outcome: str) -> float:
    labels = {"system": "xaman", "operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("ringledger_outside_calls_total", labels) or 0.0


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    """Neither the detail, the rendered body nor the whole chained traceback names a secret."""
    text = "".join(traceback.format_exception(error))
    if isinstance(error, SigningUnavailable):
        text += error.detail + json.dumps(error.body())
    for secret in secrets:
        assert secret not in text


class TestCreate:
    async def test_posts_the_documented_body_with_credentials(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        before = datetime.now(UTC)
        request = await xaman.create(
            txjson=TXJSON,
            identifier="attempt-1",
            instruction="Sign it",
            expire_minutes=15,
            signer=PROMOTER,
        )
        sent = fake.received[-1]
        assert (sent.method, sent.path) == ("POST", "/api/v1/platform/payload")
        assert sent.headers["x-api-key"] == API_KEY
        assert sent.headers["x-api-secret"] == API_SECRET
        assert sent.headers["content-type"] == "application/json"
        assert sent.json() == {
            "txjson": TXJSON,
            "options": {
                "submit": True,
                "expire": 15,
                "signers": [PROMOTER],
                "force_network": "TESTNET",
            },
            "custom_meta": {"identifier": "attempt-1", "instruction": "Sign it"},
        }
        assert fake.payloads[request.payload_id].txjson == TXJSON
        sign_url = f"{fake.base_url}/sign/{request.payload_id}"
        assert request.deep_link_url == sign_url
        assert request.qr_png_url == f"{sign_url}_q.png"
        assert request.websocket_status_url == sign_url.replace("http", "ws", 1)
        assert request.mode == xaman.mode == "api"
        assert request.expires_at.tzinfo is not None
        expected = before + timedelta(minutes=15)
        assert abs(request.expires_at - expected) < timedelta(seconds=5)

    async def test_takes_the_expiry_from_the_answer_when_present(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        fake.create_extra = {"expires_at": "2030-01-01T12:00:00Z"}
        request = await xaman.create(
            txjson=TXJSON,
            identifier="attempt-1",
            instruction="Sign it",
            expire_minutes=15,
            signer=PROMOTER,
        )
        assert request.expires_at == datetime(2030, 1, 1, 12, tzinfo=UTC)

    @pytest.mark.parametrize(
        "expires_at",
        ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "tomorrow"],
        ids=["before-year-1-in-utc", "after-year-9999-in-utc", "not-a-time"],
    )
    async def test_an_expiry_outside_the_calendar_is_an_unusable_answer(
        self, fake: FakeXaman, xaman: XamanSigning, expires_at: str
    ) -> None:
        fake.create_extra = {"expires_at": expires_at}
        with pytest.raises(SigningUnavailable, match="expires_at"):
            await new_payload(xaman)

    async def test_base_url_with_trailing_slash(self, fake: FakeXaman) -> None:
        signing = XamanSigning.from_settings(
            settings_for(fake, XAMAN_API_BASE_URL=fake.base_url + "/")
        )
        try:
            await new_payload(signing)
        finally:
            await signing.aclose()
        assert fake.received[-1].path == "/api/v1/platform/payload"

    def test_from_settings_needs_credentials(self, fake: FakeXaman) -> None:
        with pytest.raises(ValueError, match="XAMAN_API_KEY"):
            XamanSigning.from_settings(settings_for(fake, XAMAN_API_KEY=None))


class TestWhoMaySign:
    """The promoter's account only, on our network only: enforced by Xaman itself."""

    async def test_the_payload_names_the_signer_and_the_network(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        payload_id = await new_payload(xaman)
        options = fake.received[-1].json()["options"]
        assert (options["signers"], options["force_network"]) == ([PROMOTER], "TESTNET")
        await status_of(xaman, payload_id)
        assert fake.received[-1].path.endswith(payload_id)
        async with httpx.AsyncClient() as client:
            answer = await client.get(
                f"{fake.base_url}/api/v1/platform/payload/{payload_id}",
                headers={"X-API-Key": fake.api_key, "X-API-Secret": fake.api_secret},
            )
        assert answer.json()["meta"]["signers"] == [PROMOTER]

    async def test_another_account_cannot_sign(self, fake: FakeXaman, xaman: XamanSigning) -> None:
        payload_id = await new_payload(xaman)
        with pytest.raises(WalletRefused, match="may not sign"):
            fake.sign(payload_id, txid=TX_HASH, account="rwietsevLFg8XSmG3bEZzFein1g8RBqWDZ")
        assert (await status_of(xaman, payload_id)).status == SigningStatus.OPEN
        fake.sign(payload_id, txid=TX_HASH, account=PROMOTER)
        assert (await status_of(xaman, payload_id)).status == SigningStatus.SIGNED

    async def test_no_signature_on_another_network(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        payload_id = await new_payload(xaman)
        with pytest.raises(WalletRefused, match="must be signed on TESTNET"):
            fake.sign(payload_id, txid=TX_HASH, nodetype="MAINNET")
        assert (await status_of(xaman, payload_id)).status == SigningStatus.OPEN

    async def test_a_mainnet_service_forces_mainnet(self, fake: FakeXaman) -> None:
        signing = XamanSigning.from_settings(settings_for(fake, XRPL_NETWORK="MAINNET"))
        try:
            payload_id = await new_payload(signing)
        finally:
            await signing.aclose()
        assert fake.payloads[payload_id].options["force_network"] == "MAINNET"
        with pytest.raises(WalletRefused):
            fake.sign(payload_id, txid=TX_HASH, nodetype="TESTNET")

    @pytest.mark.parametrize(
        "options",
        [
            {"signers": []},
            {"signers": ["not an address"]},
            {"signers": [PROMOTER] * 5},
            {"signers": PROMOTER},
            {"force_network": "testnet"},
            {"force_network": 1},
        ],
    )
    def test_the_stand_in_refuses_what_xaman_would(
        self, fake: FakeXaman, options: dict[str, Any]
    ) -> None:
        answer = httpx.post(
            f"{fake.base_url}/api/v1/platform/payload",
            json={"txjson": TXJSON, "options": options},
            headers={"X-API-Key": fake.api_key, "X-API-Secret": fake.api_secret},
        )
        assert answer.status_code == 400


class TestStatus:
    async def test_open(self, fake: FakeXaman, xaman: XamanSigning) -> None:
        payload_id = await new_payload(xaman)
        outcome = await xaman.status(
            payload_id=payload_id, observed_status="signed", observed_tx_hash=TX_HASH
        )
        assert (outcome.status, outcome.tx_hash) == (SigningStatus.OPEN, None)
        sent = fake.received[-1]
        assert (sent.method, sent.path) == ("GET", f"/api/v1/platform/payload/{payload_id}")
        assert sent.headers["x-api-secret"] == API_SECRET

    async def test_signed_on_our_network(self, fake: FakeXaman, xaman: XamanSigning) -> None:
        payload_id = await new_payload(xaman)
        fake.sign(payload_id, txid=TX_HASH, nodetype="TESTNET")
        outcome = await status_of(xaman, payload_id)
        assert (outcome.status, outcome.tx_hash) == (SigningStatus.SIGNED, TX_HASH.upper())

    async def test_signed_wins_over_a_later_expiry(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        payload_id = await new_payload(xaman)
        fake.sign(payload_id, txid=TX_HASH)
        fake.expire(payload_id)
        assert (await status_of(xaman, payload_id)).status == SigningStatus.SIGNED

    async def test_signed_on_another_network_is_unknown(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        payload_id = await new_payload(xaman)
        fake.honour_options = False  # an app too old to know force_network
        fake.sign(payload_id, txid=TX_HASH, nodetype="MAINNET")
        outcome = await status_of(xaman, payload_id)
        assert (outcome.status, outcome.tx_hash) == (SigningStatus.UNKNOWN, None)
        assert "signed on MAINNET" in (outcome.reason or "")
        assert "expects TESTNET" in (outcome.reason or "")

    async def test_signed_but_not_dispatched_is_unknown(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        payload_id = await new_payload(xaman)
        fake.sign(payload_id, txid=TX_HASH, nodetype=None)
        assert (await status_of(xaman, payload_id)).status == SigningStatus.UNKNOWN

    async def test_mainnet_service_accepts_mainnet(self, fake: FakeXaman) -> None:
        signing = XamanSigning.from_settings(settings_for(fake, XRPL_NETWORK="MAINNET"))
        try:
            payload_id = await new_payload(signing)
            fake.sign(payload_id, txid=TX_HASH, nodetype="MAINNET")
            assert (await status_of(signing, payload_id)).status == SigningStatus.SIGNED
        finally:
            await signing.aclose()

    async def test_declined_by_cancel(self, xaman: XamanSigning) -> None:
        payload_id = await new_payload(xaman)
        await xaman.cancel(payload_id=payload_id)
        assert (await status_of(xaman, payload_id)).status == SigningStatus.DECLINED

    async def test_resolved_without_signature_is_declined(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        payload_id = await new_payload(xaman)
        fake.reject(payload_id)
        assert (await status_of(xaman, payload_id)).status == SigningStatus.DECLINED

    async def test_expired(self, fake: FakeXaman, xaman: XamanSigning) -> None:
        payload_id = await new_payload(xaman)
        fake.expire(payload_id)
        assert (await status_of(xaman, payload_id)).status == SigningStatus.EXPIRED

    async def test_meta_exists_false_is_unknown(self, fake: FakeXaman, xaman: XamanSigning) -> None:
        payload_id = await new_payload(xaman)
        fake.vanish(payload_id)
        assert (await status_of(xaman, payload_id)).status == SigningStatus.UNKNOWN

    async def test_xaman_404_is_unknown(self, fake: FakeXaman, xaman: XamanSigning) -> None:
        payload_id = await new_payload(xaman)
        fake.forget(payload_id)
        before = calls("status", "not_found")
        outcome = await status_of(xaman, payload_id)
        assert outcome.status == SigningStatus.UNKNOWN
        assert calls("status", "not_found") == before + 1

    async def test_a_404_that_is_not_xamans_is_a_failure(self, fake: FakeXaman) -> None:
        # A wrong path (proxy, misconfiguration) 404s without Xaman's error body.
        client = build_http_client(
            base_url=fake.base_url + "/elsewhere",
            api_key=API_KEY,
            api_secret=API_SECRET,
            timeout_seconds=5,
        )
        signing = XamanSigning(client=client, network="TESTNET")
        try:
            with pytest.raises(SigningUnavailable, match="HTTP 404"):
                await status_of(signing, "00000000-0000-4839-af2f-f794874a80b0")
        finally:
            await signing.aclose()

    async def test_refuses_a_payload_id_that_is_not_a_uuid(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        with pytest.raises(ValueError):
            await status_of(xaman, "../ping")
        assert fake.received == []


def _cancelled(fake: FakeXaman, payload_id: str) -> None:
    fake.payloads[payload_id].cancelled = True


CANCEL_CASES: dict[str, Callable[[FakeXaman, str], None]] = {
    "OK": lambda fake, payload_id: None,
    "ALREADY_CANCELLED": _cancelled,
    "ALREADY_RESOLVED": lambda fake, payload_id: fake.sign(payload_id, txid=TX_HASH),
    "ALREADY_OPENED": FakeXaman.open,
    "ALREADY_EXPIRED": FakeXaman.expire,
    CANCEL_NOT_FOUND: FakeXaman.forget,
}


class TestCancel:
    @pytest.mark.parametrize("reason", list(CANCEL_CASES))
    async def test_every_reason_is_an_answer(
        self, fake: FakeXaman, xaman: XamanSigning, reason: str
    ) -> None:
        payload_id = await new_payload(xaman)
        CANCEL_CASES[reason](fake, payload_id)
        assert await xaman.cancel_with_reason(payload_id=payload_id) == reason
        sent = fake.received[-1]
        assert (sent.method, sent.path) == ("DELETE", f"/api/v1/platform/payload/{payload_id}")
        await xaman.cancel(payload_id=payload_id)  # the protocol's form never raises for these

    async def test_only_ok_cancels(self, fake: FakeXaman, xaman: XamanSigning) -> None:
        payload_id = await new_payload(xaman)
        fake.open(payload_id)
        await xaman.cancel(payload_id=payload_id)
        assert not fake.payloads[payload_id].cancelled


class TestFailures:
    @pytest.mark.parametrize("status", [401, 403])
    async def test_refused_credentials(self, fake: FakeXaman, status: int) -> None:
        fake.auth_failure_status = status
        wrong = "d00dfeed-1111-4222-8333-444455556666"
        signing = XamanSigning.from_settings(settings_for(fake, XAMAN_API_SECRET=wrong))
        try:
            with pytest.raises(SigningUnavailable, match=f"credentials.*HTTP {status}") as caught:
                await new_payload(signing)
        finally:
            await signing.aclose()
        assert "error 813" in caught.value.detail
        assert_no_secret(caught.value, wrong, API_SECRET, API_KEY)

    async def test_rate_limited_reports_the_limits(
        self, fake: FakeXaman, xaman: XamanSigning
    ) -> None:
        fake.fail_next(Fault.RATE_LIMITED)
        before = calls("create", "rate_limited")
        with pytest.raises(SigningUnavailable, match="HTTP 429, 0 of 30") as caught:
            await new_payload(xaman)
        assert calls("create", "rate_limited") == before + 1
        assert_no_secret(caught.value, API_SECRET, API_KEY)

    @pytest.mark.parametrize("fault", list(Fault))
    @pytest.mark.parametrize("operation", ["create", "status", "cancel"])
    async def test_each_fault_is_unavailable_without_retry(
        self,
        fake: FakeXaman,
        xaman: XamanSigning,
        impatient: XamanSigning,
        operation: str,
        fault: Fault,
    ) -> None:
        payload_id = await new_payload(xaman)
        fake.fail_next(fault)
        sent_before = len(fake.received)
        with pytest.raises(SigningUnavailable) as caught:
            await _call(impatient if fault is Fault.SLOW else xaman, operation, payload_id)
        assert len(fake.received) == sent_before + 1
        assert caught.value.status == 502
        assert caught.value.code == "xaman_unavailable"
        assert_no_secret(caught.value, API_SECRET, API_KEY)

    async def test_timeout_says_so(self, fake: FakeXaman, impatient: XamanSigning) -> None:
        fake.fail_next(Fault.SLOW)
        before = calls("create", "timeout")
        with pytest.raises(SigningUnavailable, match="did not answer in time"):
            await new_payload(impatient)
        assert calls("create", "timeout") == before + 1

    async def test_unreachable(self) -> None:
        client = build_http_client(
            base_url=refused_url(), api_key=API_KEY, api_secret=API_SECRET, timeout_seconds=5
        )
        signing = XamanSigning(client=client)
        try:
            with pytest.raises(SigningUnavailable, match="could not reach Xaman") as caught:
                await new_payload(signing)
        finally:
            await signing.aclose()
        assert_no_secret(caught.value, API_SECRET, API_KEY)

    async def test_recovers_on_the_next_call(self, fake: FakeXaman, xaman: XamanSigning) -> None:
        fake.fail_next(Fault.CONNECTION_RESET)
        with pytest.raises(SigningUnavailable):
            await new_payload(xaman)
        assert await new_payload(xaman, "attempt-2")


async def _call(xaman: XamanSigning, operation: str, payload_id: str) -> Any:
    if operation == "create":
        return await new_payload(xaman, "attempt-2")
    if operation == "status":
        return await status_of(xaman, payload_id)
    return await xaman.cancel(payload_id=payload_id)


class TestWebhookSender:
    def test_our_verifier_accepts_what_the_fake_sends(self, fake: FakeXaman) -> None:
        payload_id = _created_over_http(fake)
        fake.sign(payload_id, txid=TX_HASH)
        receiver = LocalHttpServer(lambda request: Reply(status=200))
        receiver.start()
        try:
            response = fake.deliver_webhook(receiver.url + "/webhooks/xaman", payload_id)
        finally:
            receiver.stop()
        assert response.status_code == 200
        delivered = receiver.received[-1]
        document = delivered.json()
        assert set(document) == {"meta", "custom_meta", "payloadResponse", "userToken"}
        assert document["payloadResponse"]["txid"] == TX_HASH
        assert document["custom_meta"]["identifier"] == "attempt-1"
        # Compact JSON, byte for byte what JSON.stringify sends.
        assert delivered.body == json.dumps(document, separators=(",", ":")).encode()
        assert verify_webhook_signature(
            secret=API_SECRET,
            timestamp=delivered.headers["x-xumm-request-timestamp"],
            signature=delivered.headers["x-xumm-request-signature"],
            body=delivered.body,
        )


def _created_over_http(fake: FakeXaman) -> str:
    headers = {"X-API-Key": API_KEY, "X-API-Secret": API_SECRET}
    body = {"txjson": TXJSON, "custom_meta": {"identifier": "attempt-1"}}
    with httpx.Client(base_url=fake.base_url + "/api/v1/platform/", headers=headers) as client:
        return str(client.post("payload", json=body).json()["uuid"])
