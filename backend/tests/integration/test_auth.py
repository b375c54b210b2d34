"""POST /auth/register, /auth/login, GET /auth/me, and the login throttle."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, Api


class TestRegister:
    def test_promoter_and_fighter(self, client: TestClient) -> None:
        for role in ("promoter", "fighter"):
            response = client.post(
                "/auth/register",
                json={"email": f"New.{role}@Example.com", "password": PASSWORD, "role": role},
            )
            assert response.status_code == 201
            body = response.json()
            assert body["role"] == role and body["email"] == f"new.{role}@example.com"
            assert set(body) == {"user_id", "email", "role"}

    def test_admin_cannot_self_register(self, client: TestClient) -> None:
        response = client.post(
            "/auth/register",
            json={"email": "boss@example.com", "password": PASSWORD, "role": "admin"},
        )
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"
        assert (
            client.post(
                "/auth/login", json={"email": "boss@example.com", "password": PASSWORD}
            ).status_code
            == 401
        )

    def test_email_taken_any_case(self, api: Api, client: TestClient) -> None:
        api.register("promoter", email="taken@example.com")
        response = client.post(
            "/auth/register",
            json={"email": "TAKEN@example.com", "password": PASSWORD, "role": "fighter"},
        )
        assert response.status_code == 409 and response.json()["code"] == "email_taken"

    def test_short_password(self, client: TestClient) -> None:
        response = client.post(
            "/auth/register",
            json={"email": "a@example.com", "password": "short", "role": "fighter"},
        )
        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["password"]

    def test_bad_email(self, client: TestClient) -> None:
        response = client.post(
            "/auth/register",
            json={"email": "not-an-email", "password": PASSWORD, "role": "fighter"},
        )
        assert response.status_code == 422


class TestLogin:
    def test_token(self, api: Api, client: TestClient) -> None:
        account = api.register("fighter")
        response = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
        body = response.json()
        assert response.status_code == 200
        assert body["token_type"] == "bearer" and body["expires_in"] == 3600
        me = client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.json() == {"user_id": account.user_id, "email": account.email, "role": "fighter"}

    def test_unknown_email_and_wrong_password_look_the_same(
        self, api: Api, client: TestClient
    ) -> None:
        account = api.register("promoter")
        wrong = client.post("/auth/login", json={"email": account.email, "password": "x" * 12})
        unknown = client.post(
            "/auth/login", json={"email": "nobody@example.com", "password": "x" * 12}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert (
            wrong.json()
            == unknown.json()
            == {
                "detail": "The email or password is not correct.",
                "code": "credentials_invalid",
            }
        )

    def test_throttled_after_five_failures(self, api: Api, client: TestClient) -> None:
        account = api.register("promoter")
        for _ in range(5):
            assert (
                client.post(
                    "/auth/login", json={"email": account.email, "password": "nope"}
                ).status_code
                == 401
            )
        blocked = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
        assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"
        assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60

    def test_success_clears_only_this_clients_failures(self, api: Api, client: TestClient) -> None:
        account = api.register("promoter")
        for _ in range(4):
            client.post("/auth/login", json={"email": account.email, "password": "nope"})
        assert (
            client.post(
                "/auth/login", json={"email": account.email, "password": PASSWORD}
            ).status_code
            == 200
        )
        for _ in range(4):
            assert (
                client.post(
                    "/auth/login", json={"email": account.email, "password": "nope"}
                ).status_code
                == 401
            )

    def test_timing_is_similar(self, api: Api, client: TestClient) -> None:
        account = api.register("promoter")

        def spent(email: str) -> float:
            started = time.perf_counter()
            client.post("/auth/login", json={"email": email, "password": "wrong password"})
            return time.perf_counter() - started

        # Alternate to spread noise; compare medians with a wide margin (argon2 dominates both).
        known = sorted(spent(account.email) for _ in range(3))[1]
        unknown = sorted(spent(f"ghost{n}@example.com") for n in range(3))[1]
        assert unknown > known * 0.3 and known > unknown * 0.3


class TestMe:
    def test_without_token(self, client: TestClient) -> None:
        response = client.get("/auth/me")
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"

    def test_garbage_token(self, client: TestClient) -> None:
        response = client.get("/auth/me", headers={"Authorization": "Bearer nonsense"})
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"

    def test_deleted_user(self, api: Api, client: TestClient, database) -> None:  # type: ignore[no-untyped-def]
        import psycopg

        from tests.support.database import libpq

        account = api.register("fighter")
        with psycopg.connect(libpq(database), autocommit=True) as conn:
            conn.execute("DELETE FROM users WHERE id = %s", (account.user_id,))
        response = client.get("/auth/me", headers=account.headers)
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"
