"""Browser protections on every response, and no caching of anything the API answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.core.middleware import CONTENT_SECURITY_POLICY
from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support.api import Api

PROTECTIONS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@pytest.fixture(scope="module")
def console(database: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The service with a (tiny) built console of its own."""
    web = tmp_path_factory.mktemp("console")
    (web / "index.html").write_text('<!doctype html><script type="module" src="/assets/app.js">')
    (web / "assets").mkdir()
    (web / "assets" / "app.js").write_text("console.log('ok');")
    # A build configured to emit source maps would leave these beside the assets.
    (web / "assets" / "app.js.map").write_text('{"version": 3, "sources": ["src/App.tsx"]}')
    (web / "index.html.map").write_text("{}")
    data_dir: Path = tmp_path_factory.mktemp("data")
    settings = test_settings(database, data_dir, RINGLEDGER_WEB_DIR=web)
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        yield client


def protections(headers: httpx.Headers) -> dict[str, str | None]:
    return {name: headers.get(name) for name in PROTECTIONS}


@pytest.mark.parametrize("path", ["/", "/index.html", "/assets/app.js"])
def test_the_console_page_and_assets(console: TestClient, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 200
    assert protections(response.headers) == PROTECTIONS
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_a_login_answer_is_never_stored(console: TestClient) -> None:
    api = Api(console)
    account = api.register("promoter")
    response = console.post("/auth/login", json={"email": account.email, "password": "x" * 12})
    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"
    token = console.post(
        "/auth/login",
        json={"email": account.email, "password": "correct horse battery staple"},
    )
    assert token.status_code == 200 and token.headers["cache-control"] == "no-store"
    assert protections(token.headers) == PROTECTIONS


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/auth/me"), ("GET", "/bouts"), ("GET", "/fighters"), ("GET", "/meta")],
)
def test_authenticated_api_answers_are_never_stored(
    console: TestClient, method: str, path: str
) -> None:
    promoter = Api(console).register("promoter")
    response = console.request(method, path, headers=promoter.headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert protections(response.headers) == PROTECTIONS


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_no_third_party_documentation_pages(console: TestClient, path: str) -> None:
    # They would load scripts from a CDN; the OpenAPI document is still served.
    assert console.get(path).status_code == 404
    assert console.get("/openapi.json").status_code == 200


@pytest.mark.parametrize("path", ["/assets/app.js.map", "/index.html.map", "/assets/APP.JS.MAP"])
def test_source_maps_are_never_served(console: TestClient, path: str) -> None:
    """A source map publishes the console's source; the build makes none, and the server
    refuses any that is there anyway."""
    response = console.get(path)
    assert response.status_code == 404
    assert "sources" not in response.text
