"""A thin test client for the HTTP API with factory methods that take keyword defaults."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.xrpl import new_address

PASSWORD = "correct horse battery staple"  # pragma: allowlist secret


@dataclass
class Account:
    user_id: str
    email: str
    role: str
    token: str
    address: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def future_event(hours: float = 48) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
    return moment.isoformat().replace("+00:00", "Z")


class Api:
    def __init__(self, client: httpx.Client | Any) -> None:
        self.client = client

    def register(self, role: str, *, email: str | None = None, password: str = PASSWORD) -> Account:
        email = email or f"{role}-{uuid.uuid4().hex[:12]}@example.com"
        response = self.client.post(
            "/auth/register", json={"email": email, "password": password, "role": role}
        )
        assert response.status_code == 201, response.text
        user = response.json()
        return Account(user["user_id"], email, role, self.login(email, password))

    def login(self, email: str, password: str = PASSWORD) -> str:
        response = self.client.post("/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def promoter(self) -> Account:
        account = self.register("promoter")
        account.address = new_address()
        return account

    def fighter(self, *, name: str = "Fighter", address: str | None = None) -> Account:
        account = self.register("fighter")
        account.address = address or new_address()
        response = self.client.put(
            "/fighters/me",
            json={"display_name": name, "xrpl_address": account.address},
            headers=account.headers,
        )
        assert response.status_code == 200, response.text
        return account

    def bout_body(
        self, promoter: Account, a: Account, b: Account, **overrides: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "fighter_a_user_id": a.user_id,
            "fighter_b_user_id": b.user_id,
            "event_datetime_utc": future_event(),
            "promoter_xrpl_address": promoter.address,
            "show_a_drops": 5_000_000,
            "show_b_drops": 4_000_000,
            "bonus_a_drops": 2_000_000,
            "bonus_b_drops": 1_000_000,
            "title": "Main event",
        }
        body.update(overrides)
        return body

    def create_bout(
        self, promoter: Account, a: Account, b: Account, **overrides: Any
    ) -> dict[str, Any]:
        response = self.client.post(
            "/bouts", json=self.bout_body(promoter, a, b, **overrides), headers=promoter.headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def cast(self) -> tuple[Account, Account, Account, dict[str, Any]]:
        """A promoter, two fighters and a fresh draft bout between them."""
        promoter, a, b = self.promoter(), self.fighter(name="Ada"), self.fighter(name="Bea")
        return promoter, a, b, self.create_bout(promoter, a, b)


def insert_admin(database_uri: str, email: str, password: str = PASSWORD) -> None:
    """Create an admin the way the operator CLI does: straight in the database, never over HTTP."""
    import psycopg
    from argon2 import PasswordHasher

    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)
    with psycopg.connect(database_uri, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, email, password_hash, role) VALUES (%s, %s, %s, 'admin')",
            (uuid.uuid4(), email, password_hash),
        )
