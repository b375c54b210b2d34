"""Forged, stale, tampered and orphaned bearer tokens are a 401 and change nothing; the login
throttle counts failures in PostgreSQL, so it holds across server processes."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.core.config import Settings
from tests.support import db_state
from tests.support.api import PASSWORD, Account, Api, insert_admin
from tests.support.database import libpq
from tests.support.live_cluster import live_servers


def _segment(document: dict[str, Any]) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Forge:
    """Makes tokens the way an attacker (or, for the controls, the service) would."""

    secret: str
    promoter: Account
    fighter: Account

    def claims(self, account: Account | None = None, **overrides: Any) -> dict[str, Any]:
        account = account or self.promoter
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": account.user_id,
            "role": account.role,
            "ver": 0,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=30)).timestamp()),
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def signed(self, claims: dict[str, Any], *, key: str | None = None, alg: str = "HS256") -> str:
        return jwt.encode(claims, key or self.secret, algorithm=alg)

    @staticmethod
    def unsigned(claims: dict[str, Any], alg: str = "none") -> str:
        return f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(claims)}."

    @staticmethod
    def with_claims_swapped(token: str, claims: dict[str, Any]) -> str:
        """The original header and signature around a rewritten payload."""
        header, _, signature = token.split(".")
        return f"{header}.{_segment(claims)}.{signature}"


def _hours(count: float) -> int:
    return int((datetime.now(UTC) + timedelta(hours=count)).timestamp())


@dataclass(frozen=True)
class Attack:
    name: str
    token: Callable[[Forge], str]
    code: str = "token_invalid"


ATTACKS = [
    Attack("alg none", lambda forge: forge.unsigned(forge.claims())),
    Attack(
        "alg none claiming admin",
        lambda forge: forge.unsigned(forge.claims(forge.fighter, role="admin")),
    ),
    Attack("alg NONE", lambda forge: forge.unsigned(forge.claims(), alg="NONE")),
    Attack(
        "another key",
        lambda forge: forge.signed(forge.claims(), key=secrets.token_urlsafe(48)),
    ),
    Attack("HS512 with the right key", lambda forge: forge.signed(forge.claims(), alg="HS512")),
    Attack(
        "expired",
        lambda forge: forge.signed(forge.claims(iat=_hours(-3), exp=_hours(-1))),
        code="token_expired",
    ),
    Attack(
        "issued in the future",
        lambda forge: forge.signed(forge.claims(iat=_hours(1), exp=_hours(2))),
    ),
    Attack(
        "role raised to admin, signature kept",
        lambda forge: forge.with_claims_swapped(
            forge.fighter.token, forge.claims(forge.fighter, role="admin")
        ),
    ),
    Attack(
        "role raised to admin and re-signed",
        lambda forge: forge.signed(forge.claims(forge.fighter, role="admin")),
    ),
    Attack("unknown subject", lambda forge: forge.signed(forge.claims(sub=str(uuid.uuid4())))),
    Attack("subject is not an id", lambda forge: forge.signed(forge.claims(sub="admin"))),
    Attack("no expiry", lambda forge: forge.signed(forge.claims(exp=None))),
    Attack("no role", lambda forge: forge.signed(forge.claims(role=None))),
    Attack("no token version", lambda forge: forge.signed(forge.claims(ver=None))),
    Attack("a later token version", lambda forge: forge.signed(forge.claims(ver=1))),
    Attack("signature stripped", lambda forge: forge.promoter.token.rsplit(".", 1)[0] + "."),
    Attack("not a token", lambda forge: "definitely.not.a-token"),
]


@pytest.fixture
def forge(api: Api, settings: Settings) -> Forge:
    return Forge(settings.jwt_secret, api.promoter(), api.fighter())


@pytest.fixture
def bout_id(api: Api, forge: Forge) -> str:
    a, b = api.fighter(), api.fighter()
    return str(api.create_bout(forge.promoter, a, b)["bout_id"])


def probes(bout_id: str) -> list[tuple[str, str]]:
    """A read for anyone, an admin-only read, and a promoter's action on their own bout."""
    return [
        ("GET", "/auth/me"),
        ("GET", f"/bouts/{bout_id}/evidence"),
        ("POST", f"/bouts/{bout_id}/escrows/prepare"),
    ]


class TestForgedTokens:
    def test_the_forge_makes_tokens_the_service_accepts(
        self, client: TestClient, forge: Forge, bout_id: str
    ) -> None:
        """Without this control, a wrong secret in the forge would make every attack 'pass'."""
        token = forge.signed(forge.claims())
        response = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and response.json()["role"] == "promoter"

    @pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.name)
    def test_attack_is_refused(
        self, client: TestClient, forge: Forge, bout_id: str, database: URL, attack: Attack
    ) -> None:
        headers = {"Authorization": f"Bearer {attack.token(forge)}"}
        for method, path in probes(bout_id):
            response = client.request(method, path, headers=headers)
            assert (response.status_code, response.json()["code"]) == (401, attack.code), path
            assert response.headers["www-authenticate"] == "Bearer"
        assert db_state.rows(database, "SELECT id FROM signing_attempts") == []
        actions = [row["action"] for row in db_state.audit(database, bout_id)]
        assert actions == ["bout.create"]

    def test_a_deleted_users_token_opens_nothing(
        self, client: TestClient, forge: Forge, bout_id: str, database: URL
    ) -> None:
        db_state.execute(database, "DELETE FROM users WHERE id = %s", forge.fighter.user_id)
        for method, path in probes(bout_id):
            response = client.request(method, path, headers=forge.fighter.headers)
            assert (response.status_code, response.json()["code"]) == (401, "token_invalid")

    @pytest.mark.parametrize(
        "authorization",
        ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "bearer-ish token", "Token abc"],
    )
    def test_anything_but_a_bearer_token_is_no_token(
        self, client: TestClient, authorization: str
    ) -> None:
        response = client.get("/auth/me", headers={"Authorization": authorization})
        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")

    def test_an_admin_token_of_a_demoted_account_is_refused(
        self, api: Api, client: TestClient, database: URL
    ) -> None:
        """The role in the token is checked against the account as it is now."""
        email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
        insert_admin(libpq(database), email)
        token = api.login(email)
        db_state.execute(database, "UPDATE users SET role = 'promoter' WHERE email = %s", email)
        response = client.get("/fighters", headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, response.json()["code"]) == (401, "token_invalid")


@pytest.fixture
def two_servers(database: URL, data_dir: Path) -> Iterator[list[str]]:
    with live_servers(database, data_dir, count=2, workers=1) as urls:
        yield urls


def test_login_throttle_holds_across_two_server_processes(two_servers: list[str]) -> None:
    clients = [httpx.Client(base_url=url, timeout=30) for url in two_servers]
    try:
        account = Api(clients[0]).register("promoter")
        wrong = {"email": account.email, "password": "not the password"}  # pragma: allowlist secret
        for attempt in range(5):
            refused = clients[attempt % 2].post("/auth/login", json=wrong)
            assert refused.status_code == 401, (attempt, refused.text)
        right = {"email": account.email, "password": PASSWORD}
        for client in clients:
            blocked = client.post("/auth/login", json=right)
            assert (blocked.status_code, blocked.json()["code"]) == (429, "rate_limited")
            assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    finally:
        for client in clients:
            client.close()
