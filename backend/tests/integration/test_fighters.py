"""PUT/GET /fighters/me and GET /fighters."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from tests.support import db_state
from tests.support.api import Api
from tests.support.xrpl import new_address


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
