"""What the fuzzer found, pinned down as small deterministic requests (all fixed since)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.support.api import Api
from tests.support.flow import Flow, create_evidence

UNDECODABLE = b'{"title": "\xff"}'


@pytest.mark.parametrize("escrow_kind", [{}, [], ["show_a"]], ids=["object", "array", "list"])
def test_an_odd_escrow_kind_is_a_client_error_with_a_body(
    client: TestClient, escrow_kind: object
) -> None:
    response = client.post(
        "/auth/login",
        json={"email": "a@example.com", "password": "x" * 12, "escrow_kind": escrow_kind},
    )
    assert response.status_code == 422, response.status_code
    assert response.json()["code"] == "validation_error"


def test_an_odd_escrow_kind_on_a_confirm_is_a_validation_error(api: Api) -> None:
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    body = {**create_evidence(flow.escrow("show_a")), "escrow_kind": {}}
    response = flow.post("/escrows/confirm", body, key=uuid.uuid4().hex)
    assert response.status_code == 422, response.status_code
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/auth/register"),
        ("POST", "/auth/login"),
        ("PUT", "/fighters/me"),
        ("POST", "/bouts"),
        ("POST", "/bouts/{bout_id}/result"),
    ],
)
def test_an_undecodable_body_gets_a_documented_status(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(
        method,
        path.replace("{bout_id}", str(uuid.uuid4())),
        content=UNDECODABLE,
        headers={"Content-Type": "application/json"},
    )
    operation = client.get("/openapi.json").json()["paths"][path][method.lower()]
    assert str(response.status_code) in operation["responses"], response.status_code
