"""Request bodies the service does not read: JSON in an encoding other than UTF-8, and strings
PostgreSQL cannot store (NUL, lone surrogates). On every route that takes a body each is a 4xx
with a machine code — 401 first for a caller without a valid token — and never a 500.

Found by an attacker: UTF-16 and UTF-32 JSON got past a scan of the raw bytes for `\\u0000`
and carried a NUL to PostgreSQL (a 500 with a traceback per request), while the text `\\u0000`
(an escaped backslash, no NUL at all) was refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringledger.core.config import Settings
from ringledger.core.json_body import JsonBodyRoute
from ringledger.main import create_app
from tests.support.api import Account, Api

ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
DOCUMENT = create_app(
    Settings(RINGLEDGER_ENV="test", XAMAN_MODE="stub", XRPL_MODE="stub")
).openapi()
BODY_OPERATIONS = sorted(
    (method.upper(), path, operation["operationId"], bool(operation.get("security")))
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    if "requestBody" in operation
)
ADMIN_OPERATIONS = frozenset({"enterResult"})
FIGHTER_OPERATIONS = frozenset({"saveMyProfile", "requestTrustLine"})
SAMPLE = {"title": "Main event", "email": "someone@example.com", "password": "x" * 12}


class Cast:
    """A promoter with a draft bout, a fighter and an admin: a caller for every operation."""

    def __init__(self, api: Api, admin: Account) -> None:
        self.promoter, a, b, bout = api.cast()
        self.fighter, self.admin = a, admin
        self.bout_id = bout["bout_id"]

    def headers_for(self, operation_id: str, secured: bool) -> dict[str, str]:
        if not secured:
            return {}
        if operation_id in ADMIN_OPERATIONS:
            return self.admin.headers
        if operation_id in FIGHTER_OPERATIONS:
            return self.fighter.headers
        return self.promoter.headers

    def url(self, path: str) -> str:
        return path.replace("{bout_id}", self.bout_id).replace("{escrow_kind}", "show_a")


@pytest.fixture
def cast(api: Api, admin: Account) -> Cast:
    return Cast(api, admin)


def post(client: TestClient, method: str, url: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.request(
        method, url, content=body, headers={**headers, "Content-Type": "application/json"}
    )


def refusal(response: Any) -> dict[str, str]:
    assert response.status_code == 422, (response.status_code, response.text)
    answer = response.json()
    assert answer["code"] == "validation_error"
    [error] = answer["errors"]
    return dict(error)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(("method", "path", "operation_id", "secured"), BODY_OPERATIONS)
def test_a_body_in_another_encoding_is_refused_on_every_route(
    client: TestClient,
    cast: Cast,
    method: str,
    path: str,
    operation_id: str,
    secured: bool,
    encoding: str,
) -> None:
    body = json.dumps({**SAMPLE, "note": "x\u0000y"}).encode(encoding)
    headers = cast.headers_for(operation_id, secured)
    response = post(client, method, cast.url(path), body, headers)
    if operation_id == "xamanWebhook":  # unsigned (stub mode has no secret): refused first
        assert response.status_code == 401
        return
    error = refusal(response)
    assert (error["type"], error["field"]) == ("json_invalid", "body")
    assert "UTF-8" in error["message"]


@pytest.mark.parametrize("encoding", ["utf-8", *ENCODINGS])
def test_a_caller_without_a_token_hears_401_before_the_body_is_judged(
    client: TestClient, encoding: str
) -> None:
    body = json.dumps({"title": "a\u0000b"}).encode(encoding)
    response = post(client, "POST", "/bouts", body, {})
    assert response.status_code == 401, response.text


def test_a_nul_is_refused_naming_its_field(client: TestClient, cast: Cast, api: Api) -> None:
    promoter = cast.promoter
    body = api.bout_body(promoter, cast.fighter, cast.fighter, title="Main\u0000event")
    response = client.post("/bouts", json=body, headers=promoter.headers)
    assert refusal(response) == {
        "field": "title",
        "message": "The text contains a NUL character (\\u0000), which no field accepts.",
        "type": "nul_character",
    }


def test_a_nul_in_a_key_or_deep_inside_is_refused_too(client: TestClient) -> None:
    for document, field in (
        ({"email": "a@example.com", "password": "x", "x\u0000": 1}, "body"),
        ({"email": "a@example.com", "password": ["x", {"y": "\u0000"}]}, "password.1.y"),
    ):
        error = refusal(client.post("/auth/login", json=document))
        assert (error["type"], error["field"]) == ("nul_character", field)


def test_the_text_backslash_u0000_is_only_text(client: TestClient, cast: Cast, api: Api) -> None:
    other = api.fighter(name="Cleo")
    title = "Main \\u0000 event"  # a backslash, a u and four zeros: no NUL anywhere
    body = api.bout_body(cast.promoter, cast.fighter, other, title=title)
    response = client.post("/bouts", json=body, headers=cast.promoter.headers)
    assert response.status_code == 201, response.text
    assert response.json()["title"] == title


def test_a_lone_surrogate_is_refused(client: TestClient) -> None:
    body = b'{"email": "a\\ud800@example.com", "password": "whatever-pass"}'  # pragma: allowlist secret
    error = refusal(post(client, "POST", "/auth/login", body, {}))
    assert error["type"] == "json_invalid"


def test_a_byte_order_mark_is_ignored(client: TestClient, api: Api) -> None:
    account = api.register("fighter")
    body = json.dumps({"email": account.email, "password": "correct horse battery staple"})
    response = post(client, "POST", "/auth/login", b"\xef\xbb\xbf" + body.encode(), {})
    assert response.status_code == 200, response.text


def test_nesting_deeper_than_any_parser_recurses_is_refused(client: TestClient) -> None:
    body = b'{"email": ' + b"[" * 20_000 + b"]" * 20_000 + b', "password": "x"}'
    assert refusal(post(client, "POST", "/auth/login", body, {}))["type"] == "json_invalid"


# Text of every kind, NUL, the other control characters and lone surrogates included.
TEXT = st.text(st.one_of(st.characters(), st.sampled_from("\x00\ud800\udfff")), max_size=12)
DOCUMENTS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)


def _has_unstorable_text(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value)
    if isinstance(value, dict):
        return any(_has_unstorable_text(k) or _has_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unstorable_text(item) for item in value)
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    document=st.fixed_dictionaries(
        {"email": TEXT, "password": TEXT}, optional={"title": DOCUMENTS, "role": DOCUMENTS}
    ),
    encoding=st.sampled_from(["utf-8", *ENCODINGS]),
    route=st.sampled_from(["/auth/login", "/auth/register", "/bouts"]),
)
def test_no_body_of_any_encoding_or_content_reaches_the_database_unread(
    client: TestClient, cast: Cast, document: dict[str, Any], encoding: str, route: str
) -> None:
    # ensure_ascii writes NUL and lone surrogates as \u escapes, which every encoding can carry.
    body = json.dumps(document, ensure_ascii=True).encode(encoding)
    response = post(client, "POST", route, body, cast.promoter.headers)
    assert response.status_code < 500, response.text
    if encoding != "utf-8" or _has_unstorable_text(document):
        assert refusal(response)["type"] in ("json_invalid", "nul_character")


def test_every_route_reads_its_body_this_way() -> None:
    app = create_app(Settings(RINGLEDGER_ENV="test", XAMAN_MODE="stub", XRPL_MODE="stub"))
    # The routers' routes join the application's own list (ringledger.main).
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    assert len(routes) > 20
    assert [route.path for route in routes if not isinstance(route, JsonBodyRoute)] == []
