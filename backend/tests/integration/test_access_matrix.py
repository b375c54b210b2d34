"""Who may call what: every route of the OpenAPI document × six roles, from one table.

The roles are seen from one draft bout: its promoter and one of its fighters, a promoter and a
fighter who have nothing to do with it, an admin, and a caller without a token. docs/api.md fixes
the order of refusals: no token → 401, a role that may never call the route → 403, a bout the
caller may not see → 404 `bout_not_found` (exactly as if it did not exist), then the rest.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from tests.support.api import PASSWORD, Account, Api, future_event, insert_admin
from tests.support.database import libpq
from tests.support.flow import create_evidence, tx_hash
from tests.support.xrpl import new_address


class Role(enum.Enum):
    ANONYMOUS = "anonymous"
    FIGHTER = "fighter of the bout"
    OTHER_FIGHTER = "other fighter"
    PROMOTER = "promoter of the bout"
    OTHER_PROMOTER = "other promoter"
    ADMIN = "admin"


ROLES = tuple(Role)
FIGHTERS = (Role.FIGHTER, Role.OTHER_FIGHTER)
PROMOTERS = (Role.PROMOTER, Role.OTHER_PROMOTER, Role.ADMIN)


@dataclass(frozen=True)
class Expect:
    status: int
    code: str | None = None

    def describe(self) -> str:
        return f"{self.status} {self.code}" if self.code else str(self.status)


@dataclass
class Scene:
    """The accounts behind each role, their draft bout, and one sign request issued for it."""

    accounts: dict[Role, Account]
    fighter_b: Account
    bout_id: str
    payload_id: str
    show_a: dict[str, Any]

    def headers(self, role: Role) -> dict[str, str]:
        return {} if role is Role.ANONYMOUS else self.accounts[role].headers


Body = Callable[[Scene, Role], Any]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: Body | None = None
    idempotent: bool = False

    @property
    def operation(self) -> str:
        return f"{self.method} {self.path}"


def registration(scene: Scene, role: Role) -> dict[str, Any]:
    email = f"matrix-{uuid.uuid4().hex[:12]}@example.com"
    return {"email": email, "password": PASSWORD, "role": "fighter"}


def credentials(scene: Scene, role: Role) -> dict[str, Any]:
    return {"email": scene.fighter_b.email, "password": PASSWORD}


def profile(scene: Scene, role: Role) -> dict[str, Any]:
    """A fighter re-saves their own profile; anyone else sends a valid one of their own."""
    account = scene.accounts.get(role)
    address = account.address if role in FIGHTERS and account else new_address()
    return {"display_name": role.value, "xrpl_address": address}


def new_bout(scene: Scene, role: Role) -> dict[str, Any]:
    return {
        "fighter_a_user_id": scene.accounts[Role.FIGHTER].user_id,
        "fighter_b_user_id": scene.fighter_b.user_id,
        "event_datetime_utc": future_event(),
        "promoter_xrpl_address": new_address(),
        "show_a_drops": 3,
        "show_b_drops": 3,
        "bonus_a_drops": 1,
        "bonus_b_drops": 1,
    }


def signing_status(scene: Scene, role: Role) -> dict[str, Any]:
    return {"escrow_kind": "show_a", "payload_id": scene.payload_id, "observed_status": "open"}


def rejected_create(scene: Scene, role: Role) -> dict[str, Any]:
    """Well-formed evidence of a create the ledger refused: the owner gets a 422, state stays."""
    return create_evidence(scene.show_a, engine_result="tecNO_DST")


def winner(scene: Scene, role: Role) -> dict[str, Any]:
    return {"winner": "A"}


def finish(scene: Scene, role: Role) -> dict[str, Any]:
    return {
        "escrow_kind": "show_a",
        "tx_hash": tx_hash(),
        "validated": True,
        "engine_result": "tesSUCCESS",
        "transaction_type": "EscrowFinish",
        "owner_address": scene.show_a["owner_address"],
        "offer_sequence": 7,
        "close_time_ripple": scene.show_a["finish_after_ripple"] + 10,
    }


def trust_line(scene: Scene, role: Role) -> dict[str, Any]:
    return {"label": "USD"}


def new_password(scene: Scene, role: Role) -> dict[str, Any]:
    return {"current_password": PASSWORD, "new_password": f"{PASSWORD} for {role.value}"}


def callback(scene: Scene, role: Role) -> dict[str, Any]:
    return {"meta": {"payload_uuidv4": scene.payload_id}}


OK, CREATED, NO_CONTENT = Expect(200), Expect(201), Expect(204)
UNAUTHENTICATED = Expect(401, "not_authenticated")
FORBIDDEN = Expect(403, "forbidden")
HIDDEN = Expect(404, "bout_not_found")
UNSIGNED = Expect(401, "webhook_signature_invalid")
CONFLICT = Expect(409, "state_conflict")
NOT_ALLOWED_TOKEN = Expect(404, "token_not_found")
REFUSALS = (UNAUTHENTICATED, FORBIDDEN, HIDDEN)
BOUT = "/bouts/{bout_id}"

# Columns: anonymous, fighter of the bout, other fighter, promoter of the bout, other promoter,
# admin. The owner's answers past the access checks come from the draft bout's state.
MATRIX: dict[Route, tuple[Expect, ...]] = {
    Route("GET", "/healthz"): (OK, OK, OK, OK, OK, OK),
    Route("GET", "/readyz"): (OK, OK, OK, OK, OK, OK),
    Route("GET", "/meta"): (OK, OK, OK, OK, OK, OK),
    Route("GET", "/metrics"): (OK, OK, OK, OK, OK, OK),
    Route("POST", "/auth/register", registration): (CREATED,) * 6,
    Route("POST", "/auth/login", credentials): (OK, OK, OK, OK, OK, OK),
    Route("GET", "/auth/me"): (UNAUTHENTICATED, OK, OK, OK, OK, OK),
    Route("PUT", "/fighters/me", profile): (
        UNAUTHENTICATED,
        OK,
        OK,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
    ),
    Route("GET", "/fighters/me"): (UNAUTHENTICATED, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    Route("GET", "/fighters"): (UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, OK, OK, OK),
    Route("GET", "/tokens"): (UNAUTHENTICATED, OK, OK, OK, OK, OK),
    Route("GET", "/fighters/me/trust-lines"): (
        UNAUTHENTICATED,
        OK,
        OK,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
    ),
    # The matrix's service allows no token: past the access checks, the label is unknown.
    Route("POST", "/fighters/me/trust-lines", trust_line): (
        UNAUTHENTICATED,
        NOT_ALLOWED_TOKEN,
        NOT_ALLOWED_TOKEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
    ),
    Route("POST", "/bouts", new_bout): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        CREATED,
        CREATED,
        FORBIDDEN,
    ),
    Route("GET", "/bouts"): (UNAUTHENTICATED, OK, OK, OK, OK, OK),
    Route("GET", BOUT): (UNAUTHENTICATED, OK, HIDDEN, OK, HIDDEN, OK),
    Route("GET", f"{BOUT}/audit"): (UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, OK, HIDDEN, OK),
    Route("GET", f"{BOUT}/evidence"): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        OK,
    ),
    Route("POST", f"{BOUT}/escrows/prepare"): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        OK,
        HIDDEN,
        FORBIDDEN,
    ),
    Route("POST", f"{BOUT}/escrows/signing/reconcile", signing_status): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        OK,
        HIDDEN,
        FORBIDDEN,
    ),
    Route("POST", f"{BOUT}/escrows/confirm", rejected_create, idempotent=True): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        Expect(422, "ledger_tec_tem"),
        HIDDEN,
        FORBIDDEN,
    ),
    # Fighter A's show escrow of a draft bout is still planned: nothing to claim yet.
    Route("POST", f"{BOUT}/escrows/{{escrow_kind}}/claim"): (
        UNAUTHENTICATED,
        CONFLICT,
        HIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
    ),
    Route("POST", f"{BOUT}/result", winner): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        CONFLICT,
    ),
    Route("POST", f"{BOUT}/payouts/prepare"): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        CONFLICT,
        HIDDEN,
        FORBIDDEN,
    ),
    Route("POST", f"{BOUT}/payouts/signing/reconcile", signing_status): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        Expect(404, "payload_not_found"),
        HIDDEN,
        FORBIDDEN,
    ),
    Route("POST", f"{BOUT}/payouts/confirm", finish, idempotent=True): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        CONFLICT,
        HIDDEN,
        FORBIDDEN,
    ),
    # Last of the bout routes: the owner's withdrawal ends the draft the rows above act on.
    Route("POST", f"{BOUT}/withdraw"): (
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        OK,
        HIDDEN,
        FORBIDDEN,
    ),
    Route("POST", "/webhooks/xaman", callback): (UNSIGNED,) * 6,
    # Last of all: a password change revokes the caller's token for whatever would follow.
    Route("POST", "/auth/password", new_password): (
        UNAUTHENTICATED,
        NO_CONTENT,
        NO_CONTENT,
        NO_CONTENT,
        NO_CONTENT,
        NO_CONTENT,
    ),
}
# Which roles find the bout in GET /bouts.
LISTED = {
    Role.FIGHTER: True,
    Role.OTHER_FIGHTER: False,
    Role.PROMOTER: True,
    Role.OTHER_PROMOTER: False,
    Role.ADMIN: True,
}
BOUT_ROUTES = [route for route in MATRIX if route.path.startswith(BOUT)]


def expectations(route: Route) -> dict[Role, Expect]:
    return dict(zip(ROLES, MATRIX[route], strict=True))


@pytest.fixture
def scene(api: Api, database: URL) -> Scene:
    promoter, other_promoter = api.promoter(), api.promoter()
    fighter, fighter_b, other_fighter = api.fighter(), api.fighter(), api.fighter()
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    insert_admin(libpq(database), email)
    admin = Account("", email, "admin", api.login(email))
    bout = api.create_bout(promoter, fighter, fighter_b)
    prepared = api.client.post(
        f"/bouts/{bout['bout_id']}/escrows/prepare", headers=promoter.headers
    )
    assert prepared.status_code == 200, prepared.text
    payload_id = next(
        item["xaman_sign_request"]["payload_id"]
        for item in prepared.json()["escrows"]
        if item["escrow_kind"] == "show_a"
    )
    accounts = {
        Role.FIGHTER: fighter,
        Role.OTHER_FIGHTER: other_fighter,
        Role.PROMOTER: promoter,
        Role.OTHER_PROMOTER: other_promoter,
        Role.ADMIN: admin,
    }
    show_a = next(item for item in bout["escrows"] if item["escrow_kind"] == "show_a")
    return Scene(accounts, fighter_b, bout["bout_id"], payload_id, show_a)


def call(
    client: TestClient, scene: Scene, route: Route, role: Role, *, bout_id: str | None = None
) -> httpx.Response:
    headers = scene.headers(role)
    if route.idempotent:
        headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
    body = route.body(scene, role) if route.body else None
    path = route.path.replace("{bout_id}", bout_id or scene.bout_id)
    path = path.replace("{escrow_kind}", "show_a")
    return client.request(route.method, path, json=body, headers=headers)


def mismatch(route: Route, role: Role, expected: Expect, response: httpx.Response) -> str | None:
    code = response.json().get("code") if response.status_code >= 400 else None
    if response.status_code == expected.status and expected.code in (None, code):
        return None
    got = Expect(response.status_code, code if expected.code else None)
    return (
        f"{route.operation} as {role.value}: expected {expected.describe()}, got {got.describe()}"
    )


class TestTheTableItself:
    """The table is the policy; these keep it complete and keep its promises explicit."""

    def test_every_documented_operation_has_a_row(self, client: TestClient) -> None:
        document = client.get("/openapi.json").json()
        documented = {
            f"{method.upper()} {path}"
            for path, operations in document["paths"].items()
            for method in operations
        }
        assert {route.operation for route in MATRIX} == documented

    @pytest.mark.no_db
    def test_no_fighter_can_act_on_a_bout_but_claim_their_own_show_purse(self) -> None:
        for route in MATRIX:
            if route.path.endswith("/claim"):
                assert expectations(route)[Role.OTHER_FIGHTER] == HIDDEN
                assert all(expectations(route)[role] == FORBIDDEN for role in PROMOTERS), route
            elif route.path.startswith("/bouts") and route.method != "GET":
                assert all(expectations(route)[role] == FORBIDDEN for role in FIGHTERS), route

    @pytest.mark.no_db
    def test_the_other_promoter_never_gets_past_the_bout_lookup(self) -> None:
        for route in BOUT_ROUTES:
            assert expectations(route)[Role.OTHER_PROMOTER] in (HIDDEN, FORBIDDEN), route

    @pytest.mark.no_db
    def test_nothing_is_open_to_anonymous_callers_but_public_routes(self) -> None:
        public = {"/healthz", "/readyz", "/meta", "/metrics", "/auth/register", "/auth/login"}
        for route in MATRIX:
            if route.path not in public:
                assert expectations(route)[Role.ANONYMOUS].status == 401, route


def test_every_route_answers_every_role_as_the_table_says(client: TestClient, scene: Scene) -> None:
    problems = [
        problem
        for route in MATRIX
        for role, expected in expectations(route).items()
        if (problem := mismatch(route, role, expected, call(client, scene, route, role)))
    ]
    assert problems == [], "\n".join(problems)


def test_a_hidden_bout_looks_exactly_like_a_missing_one(client: TestClient, scene: Scene) -> None:
    for route in BOUT_ROUTES:
        hidden = call(client, scene, route, Role.OTHER_PROMOTER)
        missing = call(client, scene, route, Role.OTHER_PROMOTER, bout_id=str(uuid.uuid4()))
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()), route


def test_lists_show_a_bout_only_to_those_who_may_see_it(client: TestClient, scene: Scene) -> None:
    for role, listed in LISTED.items():
        page = client.get("/bouts", headers=scene.headers(role)).json()
        assert (scene.bout_id in {item["bout_id"] for item in page["items"]}) is listed, role


def test_refusals_change_nothing(client: TestClient, scene: Scene) -> None:
    """Every refused call by every role leaves the bout's view and audit trail as they were."""
    owner = scene.headers(Role.PROMOTER)
    before = client.get(f"/bouts/{scene.bout_id}/audit", headers=owner).json()
    view = client.get(f"/bouts/{scene.bout_id}", headers=owner).json()
    for route in BOUT_ROUTES:
        for role, expected in expectations(route).items():
            if expected in REFUSALS:
                call(client, scene, route, role)
    assert client.get(f"/bouts/{scene.bout_id}/audit", headers=owner).json() == before
    assert client.get(f"/bouts/{scene.bout_id}", headers=owner).json() == view


@pytest.mark.parametrize("body", [b"{not json", b"\xff"], ids=["malformed JSON", "not UTF-8"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/bouts"), ("POST", f"{BOUT}/escrows/confirm"), ("PUT", "/fighters/me")],
)
def test_no_token_is_401_whatever_the_body(
    client: TestClient, method: str, path: str, body: bytes
) -> None:
    response = client.request(
        method,
        path.replace("{bout_id}", str(uuid.uuid4())).replace("{escrow_kind}", "show_a"),
        content=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": "k"},
    )
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
