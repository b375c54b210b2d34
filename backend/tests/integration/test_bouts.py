"""POST /bouts, GET /bouts, GET /bouts/{id}: validation, the four planned escrows, visibility."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from cryptography.fernet import MultiFernet
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringledger.bouts import conditions
from ringledger.core.config import Settings
from ringledger.core.timeutil import to_ripple
from tests.support.api import Account, Api, future_event
from tests.support.database import libpq


def plan_error(response: Any) -> str:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "plan_invalid"
    return str(response.json()["detail"])


class TestCreate:
    @pytest.mark.parametrize(
        "event", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+23:59", "2200-01-01T00:00:00Z"]
    )
    def test_an_event_time_the_ledger_cannot_hold(self, api: Api, event: str) -> None:
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        body = api.bout_body(promoter, a, b, event_datetime_utc=event)
        response = api.client.post("/bouts", json=body, headers=promoter.headers)
        assert "outside what the XRP Ledger can represent" in plan_error(response)

    def test_four_planned_escrows(self, api: Api, settings: Settings) -> None:
        promoter, a, b, bout = api.cast()
        assert bout["status"] == "draft" and bout["winner"] is None
        assert bout["refund_pending"] is False
        assert [e["escrow_kind"] for e in bout["escrows"]] == [
            "show_a",
            "show_b",
            "bonus_a",
            "bonus_b",
        ]
        finish = to_ripple(_parse(bout["event_datetime_utc"])) + 7200
        cancel = to_ripple(_parse(bout["event_datetime_utc"])) + 7 * 86400
        for escrow in bout["escrows"]:
            assert escrow["status"] == "planned" and escrow["owner_address"] == promoter.address
            assert escrow["finish_after_ripple"] == finish
            assert escrow["offer_sequence"] is None and escrow["signing"] is None
            assert set(escrow) >= {
                "create_tx_hash",
                "close_tx_hash",
                "failure_code",
                "failure_reason",
            }
        show_a, show_b, bonus_a, bonus_b = bout["escrows"]
        assert show_a["destination_address"] == bonus_a["destination_address"] == a.address
        assert show_b["destination_address"] == bonus_b["destination_address"] == b.address
        assert [show_a["amount_drops"], show_b["amount_drops"]] == [5_000_000, 4_000_000]
        assert show_a["cancel_after_ripple"] is None and show_a["condition_hex"] is None
        for bonus in (bonus_a, bonus_b):
            assert bonus["cancel_after_ripple"] == cancel
            assert bonus["condition_hex"].startswith("A0258020") and bonus[
                "condition_hex"
            ].endswith("810120")
        assert bonus_a["condition_hex"] != bonus_b["condition_hex"]
        assert bout["finish_after_utc"].endswith("Z")

    def test_preimages_are_encrypted_at_rest(self, api: Api, database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
        _, _, _, bout = api.cast()
        with psycopg.connect(libpq(database)) as conn:
            rows = conn.execute(
                "SELECT condition_hex, preimage_ciphertext FROM escrows WHERE bout_id = %s"
                " AND kind IN ('bonus_a', 'bonus_b')",
                (bout["bout_id"],),
            ).fetchall()
        cipher: MultiFernet = settings.preimage_cipher
        for condition, ciphertext in rows:
            preimage = cipher.decrypt(ciphertext.encode())
            assert len(preimage) == 32 and preimage.hex() not in ciphertext.lower()
            assert conditions.condition_hex(preimage) == condition

    def test_no_preimage_or_fulfillment_in_any_response(
        self, api: Api, client: TestClient, database, settings: Settings
    ) -> None:  # type: ignore[no-untyped-def]
        promoter, _, _, bout = api.cast()
        with psycopg.connect(libpq(database)) as conn:
            ciphertexts = [
                row[0]
                for row in conn.execute(
                    "SELECT preimage_ciphertext FROM escrows WHERE preimage_ciphertext IS NOT NULL"
                )
            ]
        secrets = []
        for ciphertext in ciphertexts:
            preimage = settings.preimage_cipher.decrypt(ciphertext.encode())
            secrets += [preimage.hex(), conditions.fulfillment_hex(preimage), ciphertext]
        texts = [
            client.get(f"/bouts/{bout['bout_id']}", headers=promoter.headers).text,
            client.get("/bouts", headers=promoter.headers).text,
            client.post(f"/bouts/{bout['bout_id']}/escrows/prepare", headers=promoter.headers).text,
        ]
        for text in texts:
            for secret in secrets:
                assert secret.lower() not in text.lower()

    @pytest.mark.parametrize(
        ("overrides", "fragment"),
        [
            ({"show_a_drops": 0}, "at least 1 drop"),
            ({"bonus_b_drops": -5}, "at least 1 drop"),
            ({"show_a_drops": 10**17, "show_b_drops": 1}, "XRP supply"),
            ({"event_datetime_utc": "2027-03-01T20:00:00"}, "timezone"),
            ({"event_datetime_utc": future_event(hours=-1.76)}, "15 minutes"),
            ({"event_datetime_utc": "2136-03-01T20:00:00Z"}, "outside"),
            ({"event_datetime_utc": "1999-03-01T20:00:00Z"}, "outside"),
            ({"event_datetime_utc": "2020-03-01T20:00:00Z"}, "15 minutes"),
            ({"promoter_xrpl_address": "rNotAValidAddress"}, "promoter_xrpl_address"),
        ],
    )
    def test_plan_invalid(
        self, api: Api, client: TestClient, overrides: dict[str, Any], fragment: str
    ) -> None:
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        response = client.post(
            "/bouts", json=api.bout_body(promoter, a, b, **overrides), headers=promoter.headers
        )
        assert fragment in plan_error(response)

    def test_parties(self, api: Api, client: TestClient) -> None:
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        no_profile = api.register("fighter")
        other_promoter = api.register("promoter")
        cases = [
            {"fighter_b_user_id": a.user_id},
            {"fighter_b_user_id": no_profile.user_id},
            {"fighter_b_user_id": other_promoter.user_id},
            {"fighter_b_user_id": str(uuid.uuid4())},
            {"promoter_xrpl_address": a.address},
            {"promoter_xrpl_address": b.address},
        ]
        for overrides in cases:
            body = api.bout_body(promoter, a, b, **overrides)
            plan_error(client.post("/bouts", json=body, headers=promoter.headers))

    @pytest.mark.parametrize("bad", ["5", 5.0, True, None, [5], {"drops": 5}])
    def test_amounts_are_strict_integers(self, api: Api, client: TestClient, bad: Any) -> None:
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        body = api.bout_body(promoter, a, b, show_a_drops=bad)
        response = client.post("/bouts", json=body, headers=promoter.headers)
        assert response.status_code == 422 and response.json()["code"] == "validation_error"
        assert response.json()["errors"][0]["field"].startswith("show_a_drops")

    def test_only_promoters(self, api: Api, client: TestClient, admin: Account) -> None:
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        body = api.bout_body(promoter, a, b)
        assert client.post("/bouts", json=body).status_code == 401
        assert client.post("/bouts", json=body, headers=a.headers).status_code == 403
        assert client.post("/bouts", json=body, headers=admin.headers).status_code == 403

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        body=st.fixed_dictionaries(
            {},
            optional={
                "fighter_a_user_id": st.one_of(
                    st.uuids().map(str), st.text(max_size=40), st.integers()
                ),
                "fighter_b_user_id": st.one_of(st.uuids().map(str), st.none()),
                "event_datetime_utc": st.one_of(
                    st.datetimes().map(lambda d: d.isoformat()),
                    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
                    st.text(max_size=30),
                ),
                "promoter_xrpl_address": st.text(max_size=50),
                "show_a_drops": st.one_of(
                    st.integers(),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=5),
                ),
                "show_b_drops": st.integers(min_value=-(2**70), max_value=2**70),
                "bonus_a_drops": st.integers(),
                "bonus_b_drops": st.integers(),
                "title": st.one_of(st.none(), st.text(max_size=300)),
                "extra": st.integers(),
            },
        )
    )
    def test_no_input_yields_a_server_error(
        self, client: TestClient, promoter_token: str, body: dict[str, Any]
    ) -> None:
        response = client.post(
            "/bouts", json=body, headers={"Authorization": f"Bearer {promoter_token}"}
        )
        assert response.status_code in (201, 422), response.text
        assert "code" in response.json()


@pytest.fixture
def promoter_token(api: Api) -> str:
    return api.promoter().token


# Times anywhere in Python's range, with any offset a time zone can have.
TIMES = st.datetimes(
    min_value=datetime.min,
    max_value=datetime.max,
    timezones=st.builds(
        timezone,
        st.timedeltas(
            min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
        ),
    ),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(), inner)),
    max_leaves=5,
)


def cursor_of(value: Any) -> str:
    """A cursor as the service writes one: base64url of JSON, padding stripped."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def list_page(client: TestClient, account: Account, cursor: str) -> Any:
    return client.get("/bouts", params={"cursor": cursor}, headers=account.headers)


def _names_a_keyset(cursor: str) -> bool:
    """A cursor of an aware time that exists in UTC and a UUID: one the service could issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, last_id = json.loads(raw)
        moment = datetime.fromisoformat(created_at)
        uuid.UUID(last_id)
        return moment.tzinfo is not None and moment.astimezone(UTC) is not None
    except Exception:
        return False


@pytest.fixture
def lister(api: Api) -> Account:
    return api.promoter()


class TestVisibility:
    def test_who_sees_a_bout(self, api: Api, client: TestClient, admin: Account) -> None:
        promoter, a, b, bout = api.cast()
        path = f"/bouts/{bout['bout_id']}"
        for viewer in (promoter, a, b, admin):
            assert client.get(path, headers=viewer.headers).status_code == 200
        for outsider in (api.promoter(), api.fighter()):
            response = client.get(path, headers=outsider.headers)
            assert response.status_code == 404 and response.json()["code"] == "bout_not_found"
        assert client.get(f"/bouts/{uuid.uuid4()}", headers=admin.headers).status_code == 404
        assert client.get(path).status_code == 401

    def test_lists_by_role(self, api: Api, client: TestClient, admin: Account) -> None:
        promoter, a, b, first = api.cast()
        other_promoter, c, d, second = api.cast()

        def ids(account: Account) -> list[str]:
            return [
                item["bout_id"]
                for item in client.get("/bouts", headers=account.headers).json()["items"]
            ]

        assert ids(promoter) == [first["bout_id"]]
        assert ids(other_promoter) == [second["bout_id"]]
        assert ids(a) == [first["bout_id"]] and ids(d) == [second["bout_id"]]
        assert ids(admin) == [second["bout_id"], first["bout_id"]]
        assert ids(api.fighter()) == []

    def test_pagination_and_filter(self, api: Api, client: TestClient) -> None:
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        created = [api.create_bout(promoter, a, b)["bout_id"] for _ in range(5)]
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/bouts", params=params, headers=promoter.headers).json()
            assert len(page["items"]) <= 2
            seen += [item["bout_id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(created))
        drafts = client.get("/bouts", params={"status": "draft"}, headers=promoter.headers).json()
        assert len(drafts["items"]) == 5
        closed = client.get("/bouts", params={"status": "closed"}, headers=promoter.headers).json()
        assert closed == {"items": [], "next_cursor": None}

    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 101}, {"status": "bogus"}, {"limit": "x"}]
    )
    def test_bad_query(self, api: Api, client: TestClient, params: dict[str, Any]) -> None:
        response = client.get("/bouts", params=params, headers=api.promoter().headers)
        assert response.status_code == 422 and response.json()["code"] == "validation_error"

    def test_bad_cursor(self, api: Api, client: TestClient) -> None:
        response = client.get(
            "/bouts", params={"cursor": "not-ours"}, headers=api.promoter().headers
        )
        assert response.status_code == 400 and response.json()["code"] == "cursor_invalid"

    @pytest.mark.parametrize(
        "keyset",
        [
            ["0001-01-01T00:00:00+23:59", str(uuid.uuid4())],
            ["9999-12-31T23:59:59-23:59", str(uuid.uuid4())],
            ["2026-01-01T00:00:00+00:00", 5],
            [["2026-01-01T00:00:00+00:00"], str(uuid.uuid4())],
        ],
        ids=["before-year-1-in-utc", "after-year-9999-in-utc", "id-not-text", "time-not-text"],
    )
    def test_a_forged_cursor_is_refused(
        self, api: Api, client: TestClient, keyset: list[Any]
    ) -> None:
        response = list_page(client, api.promoter(), cursor_of(keyset))
        assert response.status_code == 400 and response.json()["code"] == "cursor_invalid"

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        cursor=st.one_of(
            st.builds(
                lambda time, last: cursor_of([time.isoformat(), str(last)]), TIMES, st.uuids()
            ),
            st.builds(cursor_of, JSON_VALUES),
            st.text(max_size=80),
        )
    )
    def test_any_cursor_is_a_page_or_a_400(
        self, client: TestClient, lister: Account, cursor: str
    ) -> None:
        response = list_page(client, lister, cursor)
        if len(cursor) > 512:  # longer than any cursor the service writes
            assert response.status_code == 422
            return
        assert response.status_code in (200, 400), response.text
        if response.status_code == 400:
            assert response.json()["code"] == "cursor_invalid"
        if _names_a_keyset(cursor):
            assert response.status_code == 200

    def test_bad_bout_id(self, api: Api, client: TestClient) -> None:
        response = client.get("/bouts/not-a-uuid", headers=api.promoter().headers)
        assert response.status_code == 422


def _parse(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
