"""POST /webhooks/xaman in api mode against the local Xaman stand-in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.main import create_asgi
from tests.conftest import xaman_api_settings
from tests.support import db_state
from tests.support.api import Api
from tests.support.fake_xaman import API_SECRET, FakeXaman, post_webhook, xaman_signature
from tests.support.flow import Flow


@pytest.fixture
def xaman() -> Iterator[FakeXaman]:
    with FakeXaman() as fake:
        yield fake


@pytest.fixture
def api_mode(database: URL, data_dir: Path, xaman: FakeXaman) -> Iterator[TestClient]:
    settings = xaman_api_settings(database, data_dir, xaman)
    with TestClient(create_asgi(settings)) as client:
        yield client


@pytest.fixture
def prepared(api_mode: TestClient) -> tuple[Flow, dict[str, str]]:
    api = Api(api_mode)
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    items = flow.post("/escrows/prepare").json()["escrows"]
    return flow, {item["escrow_kind"]: item["xaman_sign_request"]["payload_id"] for item in items}


def reconcile_rows(database: URL, bout_id: str) -> list[dict[str, object]]:
    return [
        row for row in db_state.audit(database, bout_id) if row["action"].endswith(".reconcile")
    ]


class TestXamanWebhook:
    def test_a_signed_callback_reconciles_once(
        self,
        api_mode: TestClient,
        xaman: FakeXaman,
        prepared: tuple[Flow, dict[str, str]],
        database: URL,
    ) -> None:
        flow, payloads = prepared
        xaman.reject(payloads["bonus_a"])
        first = xaman.deliver_webhook("/webhooks/xaman", payloads["bonus_a"], client=api_mode)
        assert first.status_code == 200 and first.json() == {"result": "recorded"}
        escrow = flow.escrow("bonus_a")
        assert escrow["status"] == "planned" and escrow["failure_code"] == "signing_declined"
        again = xaman.deliver_webhook(
            "/webhooks/xaman", payloads["bonus_a"], client=api_mode, attempt=2
        )
        assert again.json() == {"result": "unchanged"}
        rows = reconcile_rows(database, flow.id)
        assert len(rows) == 1 and rows[0]["actor_role"] == "system"

    def test_signed_on_our_network(
        self, api_mode: TestClient, xaman: FakeXaman, prepared: tuple[Flow, dict[str, str]]
    ) -> None:
        flow, payloads = prepared
        xaman.sign(payloads["show_a"], txid="AB" * 32, nodetype="TESTNET")
        assert (
            xaman.deliver_webhook(
                "/webhooks/xaman", payloads["show_a"], client=api_mode
            ).status_code
            == 200
        )
        assert flow.escrow("show_a")["signing"]["status"] == "signed"

    @pytest.mark.parametrize("spoil", ["wrong-secret", "stale", "no-signature", "tampered"])
    def test_refused_and_nothing_recorded(
        self,
        api_mode: TestClient,
        xaman: FakeXaman,
        prepared: tuple[Flow, dict[str, str]],
        database: URL,
        spoil: str,
    ) -> None:
        flow, payloads = prepared
        xaman.reject(payloads["show_b"])
        before = len(db_state.audit(database, flow.id))
        document = xaman.webhook_body(payloads["show_b"], url="/webhooks/xaman")
        if spoil == "no-signature":
            response = api_mode.post("/webhooks/xaman", json=document)
        elif spoil == "tampered":
            stamp = str(int(time.time()))
            signed = json.dumps(document, separators=(",", ":")).encode()
            response = api_mode.post(
                "/webhooks/xaman",
                content=signed.replace(b"{", b"{ ", 1),
                headers={
                    "x-xumm-request-timestamp": stamp,
                    "x-xumm-request-signature": xaman_signature(
                        secret=API_SECRET, timestamp=stamp, body=signed
                    ),
                },
            )
        else:
            response = post_webhook(
                "/webhooks/xaman",
                document,
                secret="not-the-secret" if spoil == "wrong-secret" else API_SECRET,
                payload_id=payloads["show_b"],
                client=api_mode,
                timestamp=1_000_000_000 if spoil == "stale" else None,
            )
        assert (
            response.status_code == 401 and response.json()["code"] == "webhook_signature_invalid"
        )
        assert len(db_state.audit(database, flow.id)) == before
        assert flow.escrow("show_b")["signing"]["status"] == "open"

    def test_a_payload_that_is_not_ours(self, api_mode: TestClient) -> None:
        stranger = "6e1c3f3a-5d0e-4a7b-9b8f-2b1a7a0c9d11"
        document = {"meta": {"payload_uuidv4": stranger}}
        response = post_webhook(
            "/webhooks/xaman", document, secret=API_SECRET, payload_id=stranger, client=api_mode
        )
        assert response.status_code == 200 and response.json() == {"result": "unknown_payload"}


def test_stub_mode_accepts_no_callback(client: TestClient) -> None:
    response = post_webhook(
        "/webhooks/xaman", {"meta": {}}, secret=API_SECRET, payload_id="x", client=client
    )
    assert response.status_code == 401


def test_a_forgotten_payload_does_not_erase_its_signature(
    api_mode: TestClient, xaman: FakeXaman, prepared: tuple[Flow, dict[str, str]]
) -> None:
    flow, payloads = prepared
    payload_id = payloads["show_a"]
    xaman.sign(payload_id, txid="CD" * 32, nodetype="TESTNET")
    body = {"escrow_kind": "show_a", "payload_id": payload_id}
    assert flow.post("/escrows/signing/reconcile", body).json()["signing_status"] == "signed"
    xaman.forget(payload_id)
    later = flow.post("/escrows/signing/reconcile", body).json()
    assert later["signing_status"] == "signed" and later["tx_hash"] == "CD" * 32
    assert flow.escrow("show_a")["signing"]["status"] == "signed"


def test_overlapping_prepares_leave_one_live_request_per_escrow(
    api_mode: TestClient, xaman: FakeXaman, database: URL
) -> None:
    import threading

    api = Api(api_mode)
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda: answers.append(flow.post("/escrows/prepare").status_code))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200, 200]
    live = {uuid for uuid, payload in xaman.payloads.items() if not payload.cancelled}
    latest = {escrow["signing"]["payload_id"] for escrow in flow.get().json()["escrows"]}
    assert len(xaman.payloads) == 12 and live == latest


@pytest.mark.parametrize(
    "body",
    [
        b'{"meta": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
        '{"meta": {"payload_uuidv4": "6e1c3f3a-5d0e-4a7b-9b8f-2b1a7a0c9d11"}}'.encode("utf-16"),
        b"[1, 2, 3]",
    ],
    ids=["nested-beyond-recursion", "utf-16", "not-an-object"],
)
def test_a_signed_callback_xaman_never_sends_is_a_400(api_mode: TestClient, body: bytes) -> None:
    stamp = str(int(time.time()))
    headers = {
        "content-type": "application/json",
        "x-xumm-request-timestamp": stamp,
        "x-xumm-request-signature": xaman_signature(secret=API_SECRET, timestamp=stamp, body=body),
    }
    response = api_mode.post("/webhooks/xaman", content=body, headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
