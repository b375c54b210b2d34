"""The error contract of docs/api.md: shapes and codes, request ids, limits, health, OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL
from starlette.types import Receive, Scope, Send

from ringledger.core.db import Database
from ringledger.core.middleware import RequestContextMiddleware
from ringledger.main import ConfigurationRefused, create_asgi
from tests.conftest import test_settings
from tests.support.api import Api
from tests.support.fake_rippled import FakeRippled


class TestErrorBodies:
    def test_unknown_route(self, client: TestClient) -> None:
        response = client.get("/nowhere")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found", "code": "not_found"}

    def test_wrong_method(self, client: TestClient) -> None:
        response = client.delete("/auth/me")
        assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"

    def test_body_over_64_kib(self, client: TestClient) -> None:
        response = client.post(
            "/auth/login",
            content=b'{"email": "' + b"a" * 70_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
        assert response.headers["x-request-id"]

    def test_non_json_body(self, client: TestClient) -> None:
        response = client.post(
            "/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422 and response.json()["code"] == "validation_error"

    def test_validation_never_echoes_input(self, client: TestClient) -> None:
        huge = "x" * 30_000
        response = client.post(
            "/auth/register", json={"email": huge, "password": huge, "role": "fighter"}
        )
        assert response.status_code == 422
        assert len(response.content) < 2_000
        assert {error["field"] for error in response.json()["errors"]} == {"email", "password"}

    def test_nul_character_is_refused(self, client: TestClient) -> None:
        response = client.post(
            "/auth/login", json={"email": "a\u0000b@example.com", "password": "x"}
        )
        assert response.status_code == 422 and response.json()["code"] == "validation_error"

    def test_request_id_is_echoed_or_made(self, client: TestClient) -> None:
        assert (
            client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
            == "abc-123"
        )
        made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers[
            "x-request-id"
        ]
        assert made != "bad id with spaces" and len(made) == 32


def test_unhandled_error_is_500_with_request_id(database: URL, data_dir: Path) -> None:
    app = create_asgi(test_settings(database, data_dir))
    crash = APIRouter()

    @crash.get("/crash")
    async def explode() -> None:
        raise RuntimeError("boom: secret internals")

    app.fastapi.include_router(crash)
    # Ahead of the web console's catch-all mount.
    app.fastapi.router.routes.insert(0, app.fastapi.router.routes.pop())
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/crash")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error" and "boom" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]


def test_a_failure_before_the_application_answers_is_still_a_json_500() -> None:
    """Outside Starlette's error layer (a failing app, a broken send): JSON 500, request id."""

    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom: secret internals")

    client = TestClient(RequestContextMiddleware(failing), raise_server_exceptions=False)  # type: ignore[arg-type]
    response = client.get("/anything", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.json() == {
        "detail": "An internal error occurred. Quote the request id when reporting it.",
        "code": "internal_error",
        "request_id": "req-42",
    }
    assert response.headers["x-request-id"] == "req-42"
    assert response.headers["cache-control"] == "no-store"


class TestHealth:
    def test_healthz(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_readyz(self, client: TestClient) -> None:
        assert client.get("/readyz").json() == {
            "status": "ready",
            "database": "ok",
            "migrations": client.app.fastapi.state.migration_head,  # type: ignore[attr-defined]
            "xaman_mode": "stub",
            "xrpl_mode": "stub",
            "xrpl_network": "TESTNET",
            "ledger": "stub",
        }

    def test_readyz_checks_the_ledger_network(self, data_dir: Path, database: URL) -> None:
        with FakeRippled() as node:
            settings = test_settings(database, data_dir, XRPL_MODE="rpc", XRPL_RPC_URL=node.url)
            with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
                ready = client.get("/readyz")
                assert ready.status_code == 200, ready.text
                assert (ready.json()["xrpl_mode"], ready.json()["ledger"]) == ("rpc", "verified")
                node.network_id = 0  # the node behind the URL now follows Mainnet
                refused = client.get("/readyz")
            assert refused.status_code == 503 and refused.json()["code"] == "not_ready"
            assert "follows network 0" in refused.json()["detail"]

    def test_a_node_of_another_network_stops_the_start(self, data_dir: Path, database: URL) -> None:
        with FakeRippled(network_id=0) as node:
            settings = test_settings(database, data_dir, XRPL_MODE="rpc", XRPL_RPC_URL=node.url)
            refused = pytest.raises(ConfigurationRefused, match="follows network 0")
            with refused, TestClient(create_asgi(settings)):
                pass
            assert node.calls("tx") == []

    def test_readyz_without_database(self, data_dir: Path, database: URL) -> None:
        class Unreachable:
            """A pool whose database went away: every checkout fails."""

            def acquire(self) -> None:
                raise OSError("connection refused")

        app = create_asgi(test_settings(database, data_dir))
        with TestClient(app) as client:
            original = app.fastapi.state.database
            app.fastapi.state.database = Database(Unreachable())  # type: ignore[arg-type]
            response = client.get("/readyz")
            app.fastapi.state.database = original
        assert response.status_code == 503 and response.json()["code"] == "not_ready"

    def test_metrics(self, client: TestClient) -> None:
        client.get("/healthz")
        text = client.get("/metrics").text
        assert 'ringledger_http_requests_total{method="GET",route="/healthz",status="200"}' in text

    def test_meta(self, client: TestClient) -> None:
        assert client.get("/meta").json()["xrpl_mode"] == "stub"


class TestOpenApi:
    def test_every_route_is_described(self, client: TestClient) -> None:
        paths = client.get("/openapi.json").json()["paths"]
        for path in (
            "/auth/register",
            "/auth/login",
            "/auth/me",
            "/fighters/me",
            "/fighters",
            "/bouts",
            "/bouts/{bout_id}",
            "/bouts/{bout_id}/escrows/prepare",
            "/bouts/{bout_id}/escrows/signing/reconcile",
            "/bouts/{bout_id}/escrows/confirm",
            "/bouts/{bout_id}/result",
            "/bouts/{bout_id}/payouts/prepare",
            "/bouts/{bout_id}/payouts/signing/reconcile",
            "/bouts/{bout_id}/payouts/confirm",
            "/bouts/{bout_id}/audit",
            "/bouts/{bout_id}/evidence",
            "/healthz",
            "/readyz",
        ):
            assert path in paths, path

    def test_confirm_documents_its_errors(self, client: TestClient) -> None:
        operation = client.get("/openapi.json").json()["paths"]["/bouts/{bout_id}/escrows/confirm"][
            "post"
        ]
        assert {"200", "400", "401", "403", "404", "409", "422", "502"} <= set(
            operation["responses"]
        )
        assert any(param["name"] == "idempotency-key" for param in operation["parameters"])


@pytest.mark.parametrize("path", ["/bouts", "/fighters", "/auth/me"])
def test_protected_routes_need_a_token(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_api_helper_is_usable(api: Api) -> None:
    assert api.promoter().address
