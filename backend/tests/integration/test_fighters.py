"""PUT/GET /fighters/me and GET /fighters."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

from tests.support import db_state
from tests.support.api import Account, Api
from tests.support.xrpl import address_with_payload, new_address

# Found by an attacker: each passes xrpl-py's checksum check, none is a 20-byte account (public
# account identifiers, not secrets).
NOT_ACCOUNTS = {
    "32-byte": "r3WAFJU5x89cKesjwyXvx4eonJiBEKjhs7Lk7eTCeLMqP3kqNf",  # pragma: allowlist secret
    "21-byte": "rf1JVCvMWzn2MVTuAFRk2D9fVcGzqHpFEf3",  # pragma: allowlist secret
    "19-byte": "rMSF9Dqrg2dqWMG5ytTxHRVkCUkQ38Uu",  # pragma: allowlist secret
}


def save_address(client: TestClient, fighter: Account, address: str) -> int:
    response = client.put(
        "/fighters/me",
        json={"display_name": "Ada", "xrpl_address": address},
        headers=fighter.headers,
    )
    assert response.status_code in (200, 422), response.text
    return int(response.status_code)


@pytest.fixture
def lone_fighter(api: Api) -> Account:
    return api.register("fighter")


class TestAddressLength:
    @pytest.mark.parametrize("address", NOT_ACCOUNTS.values(), ids=NOT_ACCOUNTS.keys())
    def test_a_checksummed_payload_of_another_length_is_refused(
        self, client: TestClient, lone_fighter: Account, address: str
    ) -> None:
        assert save_address(client, lone_fighter, address) == 422

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(length=st.integers(min_value=0, max_value=40))
    def test_only_a_20_byte_account_is_an_address(
        self, client: TestClient, lone_fighter: Account, length: int
    ) -> None:
        address = address_with_payload(os.urandom(length))
        assert save_address(client, lone_fighter, address) == (200 if length == 20 else 422)

    @pytest.mark.parametrize("address", NOT_ACCOUNTS.values(), ids=NOT_ACCOUNTS.keys())
    def test_a_promoter_address_of_another_length_is_a_plan_error(
        self, api: Api, client: TestClient, address: str
    ) -> None:
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        body = api.bout_body(promoter, a, b, promoter_xrpl_address=address)
        response = client.post("/bouts", json=body, headers=promoter.headers)
        assert response.status_code == 422 and response.json()["code"] == "plan_invalid"

    def test_a_stored_address_of_another_length_blocks_the_bout(
        self, api: Api, client: TestClient, database: URL
    ) -> None:
        """A profile saved before the length was checked: the bout is refused before any
        EscrowCreate names it as the Destination."""
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        db_state.execute(
            database,
            "UPDATE fighter_profiles SET xrpl_address = %s WHERE user_id = %s",
            NOT_ACCOUNTS["21-byte"],
            a.user_id,
        )
        response = client.post(
            "/bouts", json=api.bout_body(promoter, a, b), headers=promoter.headers
        )
        assert response.status_code == 422 and response.json()["code"] == "plan_invalid"
        assert "Fighter A's saved XRPL address" in response.json()["detail"]


class TestProfile:
    def test_save_and_read(self, api: Api, client: TestClient) -> None:
        fighter = api.register("fighter")
        assert client.get("/fighters/me", headers=fighter.headers).status_code == 404
        address = new_address()
        saved = client.put(
            "/fighters/me",
            json={"display_name": " Ada ", "xrpl_address": address},
            headers=fighter.headers,
        )
        assert saved.status_code == 200
        assert saved.json() == {
            "user_id": fighter.user_id,
            "display_name": "Ada",
            "xrpl_address": address,
        }
        assert client.get("/fighters/me", headers=fighter.headers).json() == saved.json()

    def test_update(self, api: Api, client: TestClient, database: URL) -> None:
        fighter = api.fighter()
        address = new_address()
        response = client.put(
            "/fighters/me",
            json={"display_name": "New", "xrpl_address": address},
            headers=fighter.headers,
        )
        assert response.json()["xrpl_address"] == address
        # Where a fighter is paid changed: the audit trail keeps both addresses.
        rows = db_state.rows(
            database,
            "SELECT actor_user_id, details FROM audit_log"
            " WHERE action = 'fighter.save_profile' AND entity_id = %s ORDER BY id",
            fighter.user_id,
        )
        assert [row["details"]["xrpl_address"] for row in rows] == [fighter.address, address]
        assert rows[-1]["details"]["previous_xrpl_address"] == fighter.address
        assert {str(row["actor_user_id"]) for row in rows} == {fighter.user_id}

    def test_checksum_is_verified(self, api: Api, client: TestClient) -> None:
        fighter = api.register("fighter")
        address = new_address()
        broken = address[:-1] + ("a" if address[-1] != "a" else "b")
        response = client.put(
            "/fighters/me",
            json={"display_name": "Ada", "xrpl_address": broken},
            headers=fighter.headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "xrpl_address"

    def test_address_taken(self, api: Api, client: TestClient) -> None:
        first = api.fighter()
        second = api.register("fighter")
        response = client.put(
            "/fighters/me",
            json={"display_name": "Copy", "xrpl_address": first.address},
            headers=second.headers,
        )
        assert response.status_code == 409 and response.json()["code"] == "xrpl_address_taken"
        assert client.get("/fighters/me", headers=second.headers).status_code == 404

    def test_only_fighters(self, api: Api, client: TestClient) -> None:
        promoter = api.register("promoter")
        response = client.put(
            "/fighters/me",
            json={"display_name": "X", "xrpl_address": new_address()},
            headers=promoter.headers,
        )
        assert response.status_code == 403 and response.json()["code"] == "forbidden"


class TestList:
    def test_promoter_and_admin_see_fighters(self, api: Api, client: TestClient, admin) -> None:  # type: ignore[no-untyped-def]
        fighter = api.fighter(name="Zed")
        api.register("fighter")  # no profile: not listed
        for viewer in (api.register("promoter"), admin):
            listed = client.get("/fighters", headers=viewer.headers).json()
            assert listed == [
                {
                    "user_id": fighter.user_id,
                    "email": fighter.email,
                    "display_name": "Zed",
                    "xrpl_address": fighter.address,
                }
            ]

    def test_fighters_may_not_list(self, api: Api, client: TestClient) -> None:
        assert client.get("/fighters", headers=api.fighter().headers).status_code == 403
