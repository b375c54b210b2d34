"""Which routes a FastPlan serves, and that a request it cannot serve is left to FastAPI (every
refusal's status, order and body are FastAPI's: the HTTP suites check them end to end)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.responses import Response

from ringledger.core.config import Settings
from ringledger.core.fast_routes import FastPlan
from ringledger.core.json_body import api_router
from ringledger.main import create_app

pytestmark = pytest.mark.no_db


def routes_of(app: FastAPI) -> list[APIRoute]:
    found: list[APIRoute] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, APIRoute):
                found.append(item)
            elif hasattr(item, "original_router"):  # a router included the FastAPI way
                walk(item.original_router.routes)

    walk(app.routes)
    return found


def test_every_lifecycle_route_has_a_plan() -> None:
    app = create_app(Settings(RINGLEDGER_ENV="test", XAMAN_MODE="stub", XRPL_MODE="stub"))
    planned = {
        f"{method} {route.path}"
        for route in routes_of(app)
        if FastPlan.of(route) is not None
        for method in route.methods
    }
    for operation in (
        "POST /bouts",
        "GET /bouts/{bout_id}",
        "GET /bouts/{bout_id}/audit",
        "POST /bouts/{bout_id}/escrows/prepare",
        "POST /bouts/{bout_id}/escrows/signing/reconcile",
        "POST /bouts/{bout_id}/escrows/confirm",
        "POST /bouts/{bout_id}/result",
        "POST /bouts/{bout_id}/payouts/prepare",
        "POST /bouts/{bout_id}/payouts/confirm",
    ):
        assert operation in planned
    # A route answering with a model FastAPI serializes keeps FastAPI's handler.
    assert "GET /fighters/me" not in planned


class Body(BaseModel):
    name: str


calls: list[str] = []
# Fixed: parameter ids must be the same in every test process.
THING = "/things/9b2f6c1e-3d4a-4f7e-8a51-0c6d2e4b7f90"


async def gate(request: Request, thing_id: uuid.UUID) -> Any:
    calls.append("gate in")
    try:
        yield f"thing {thing_id}"
    finally:
        calls.append("gate out")


async def change(access: Annotated[str, Depends(gate, scope="function")], body: Body) -> Response:
    calls.append("endpoint")
    return Response(f"{access}: {body.name}", media_type="text/plain")


def small_app(*, planned: bool) -> FastAPI:
    """The route above, read by the service's route class (with its FastPlan) or by FastAPI's."""
    app = FastAPI()
    router = api_router() if planned else APIRouter()
    router.post("/things/{thing_id}")(change)
    app.include_router(router)
    return app


def test_a_well_formed_request_is_served_inside_its_gate() -> None:
    calls.clear()
    app = small_app(planned=True)
    [route] = routes_of(app)
    assert FastPlan.of(route) is not None
    with TestClient(app) as client:
        thing = uuid.uuid4()
        answer = client.post(f"/things/{thing}", json={"name": "x"})
    assert (answer.status_code, answer.text) == (200, f"thing {thing}: x")
    assert calls == ["gate in", "endpoint", "gate out"]


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/things/not-a-uuid", b'{"name": "x"}', "application/json"),
        (THING, b'{"name": 5}', "application/json"),
        (THING, b"{", "application/json"),
        (THING, b'{"name": "x"}', "text/plain"),
        (THING, b"", "application/json"),
        (THING, b'{"other": "x"}', "application/json"),
    ],
)
def test_anything_else_gets_fastapis_own_answer(path: str, body: bytes, content_type: str) -> None:
    answers = []
    for planned in (True, False):
        calls.clear()
        with TestClient(small_app(planned=planned)) as client:
            answer = client.post(path, content=body, headers={"content-type": content_type})
        answers.append(
            (answer.status_code, [error["type"] for error in answer.json()["detail"]], calls[:])
        )
    ours, fastapis = answers
    assert ours == fastapis
    assert ours[0] == 422 and "endpoint" not in ours[2]
