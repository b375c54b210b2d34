"""POST /auth/register, /auth/login, GET /auth/me, and the login throttle."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import PASSWORD, Account, Api


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

    def test_success_clears_only_this_clients_failures(
        self, api: Api, client: TestClient, database: URL, data_dir: Path
    ) -> None:
        account = api.register("promoter")
        wrong = {"email": account.email, "password": "nope"}
        right = {"email": account.email, "password": PASSWORD}
        # Another client address, through an app of its own (the same database).
        elsewhere = ("198.51.100.7", 50000)
        other_app = create_asgi(test_settings(database, data_dir))
        with TestClient(other_app, raise_server_exceptions=False, client=elsewhere) as other:
            assert other.post("/auth/login", json=wrong).status_code == 401
        for _ in range(3):
            assert client.post("/auth/login", json=wrong).status_code == 401
        assert client.post("/auth/login", json=right).status_code == 200
        kept = db_state.rows(
            database, "SELECT client FROM login_failures WHERE email = %s", account.email
        )
        assert [row["client"] for row in kept] == [elsewhere[0]]
        # This client's three are gone (otherwise the second of these would be refused)...
        for _ in range(4):
            assert client.post("/auth/login", json=wrong).status_code == 401
        # ...and the other client's one still counts: five in all.
        blocked = client.post("/auth/login", json=right)
        assert (blocked.status_code, blocked.json()["code"]) == (429, "rate_limited")

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


class TestEmailNormalisation:
    """Emails are compared as NFKC + casefold; their length is checked after normalising."""

    # 252 characters; lower-cased, each "İ" becomes two code points (492 in all).
    GROWS = "İ" * 240 + "@example.com"

    def test_an_email_that_grows_when_normalised_is_refused_not_a_crash(
        self, client: TestClient
    ) -> None:
        login = client.post("/auth/login", json={"email": self.GROWS, "password": PASSWORD})
        assert login.status_code in (401, 422), login.text
        register = client.post(
            "/auth/register", json={"email": self.GROWS, "password": PASSWORD, "role": "fighter"}
        )
        assert register.status_code == 422, register.text
        assert register.json()["code"] == "validation_error"

    @pytest.mark.parametrize(
        ("registered", "signs_in_as", "stored"),
        [
            ("Straße@Example.com", "STRASSE@example.com", "strasse@example.com"),
            ("ｆｕｌｌ@example.com", "FULL@example.com", "full@example.com"),
            ("Ångström@example.com", "ÅNGSTRÖM@EXAMPLE.COM", "ångström@example.com"),
            # An internationalised domain is one domain in either spelling (IDNA).
            ("pun@xn--bcher-kva.example", "pun@xn--bcher-kva.example", "pun@bücher.example"),
            ("pun@bücher.example", "PUN@XN--BCHER-KVA.EXAMPLE", "pun@bücher.example"),
        ],
    )
    def test_the_same_address_however_it_is_written(
        self, client: TestClient, registered: str, signs_in_as: str, stored: str
    ) -> None:
        created = client.post(
            "/auth/register", json={"email": registered, "password": PASSWORD, "role": "fighter"}
        )
        assert created.status_code == 201, created.text
        assert created.json()["email"] == stored
        login = client.post("/auth/login", json={"email": signs_in_as, "password": PASSWORD})
        assert login.status_code == 200, login.text


class TestPasswordChange:
    NEW = "a brand new passphrase"  # pragma: allowlist secret

    def change(self, client: TestClient, account: Account, current: str, new: str) -> Any:
        return client.post(
            "/auth/password",
            json={"current_password": current, "new_password": new},
            headers=account.headers,
        )

    def test_every_earlier_token_stops_working(self, api: Api, client: TestClient) -> None:
        account = api.register("promoter")
        other_token = api.login(account.email)
        response = self.change(client, account, PASSWORD, self.NEW)
        assert response.status_code == 204 and response.content == b""
        for token in (account.token, other_token):
            for path in ("/auth/me", "/bouts"):
                stale = client.get(path, headers={"Authorization": f"Bearer {token}"})
                assert (stale.status_code, stale.json()["code"]) == (401, "token_invalid")
        old = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
        assert old.status_code == 401
        fresh = api.login(account.email, self.NEW)
        me = client.get("/auth/me", headers={"Authorization": f"Bearer {fresh}"})
        assert me.status_code == 200 and me.json()["user_id"] == account.user_id

    def test_a_wrong_current_password_counts_as_a_failed_login(
        self, api: Api, client: TestClient
    ) -> None:
        account = api.register("fighter")
        for _ in range(5):
            wrong = self.change(client, account, "not my password", self.NEW)
            assert (wrong.status_code, wrong.json()["code"]) == (401, "credentials_invalid")
        assert client.get("/auth/me", headers=account.headers).status_code == 200
        blocked = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
        assert blocked.status_code == 429
        assert self.change(client, account, PASSWORD, self.NEW).status_code == 429

    @pytest.mark.parametrize(
        "body",
        [
            {"current_password": PASSWORD, "new_password": "short"},
            {"current_password": PASSWORD},
            {"current_password": "", "new_password": "long enough passphrase"},
        ],
    )
    def test_a_bad_body_is_422(self, api: Api, client: TestClient, body: dict[str, str]) -> None:
        account = api.register("promoter")
        response = client.post("/auth/password", json=body, headers=account.headers)
        assert response.status_code == 422
        assert client.get("/auth/me", headers=account.headers).status_code == 200

    def test_needs_a_token(self, client: TestClient) -> None:
        response = client.post(
            "/auth/password", json={"current_password": PASSWORD, "new_password": self.NEW}
        )
        assert response.status_code == 401


class TestRegistrationThrottle:
    def test_a_few_per_client_and_hour_then_429(self, database: URL, data_dir: Path) -> None:
        settings = test_settings(database, data_dir, RINGLEDGER_REGISTER_MAX_PER_CLIENT=3)
        with TestClient(create_asgi(settings), raise_server_exceptions=False) as limited:

            def register(email: str) -> Any:
                body = {"email": email, "password": PASSWORD, "role": "fighter"}
                return limited.post("/auth/register", json=body)

            assert register("one@example.com").status_code == 201
            # A taken email costs a hash too, so it counts.
            assert register("ONE@example.com").status_code == 409
            assert register("two@example.com").status_code == 201
            blocked = register("three@example.com")
        assert (blocked.status_code, blocked.json()["code"]) == (429, "rate_limited")
        assert 0 < int(blocked.headers["Retry-After"]) <= 3600
        emails = db_state.rows(database, "SELECT email FROM users ORDER BY email")
        assert [row["email"] for row in emails] == ["one@example.com", "two@example.com"]


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
