"""Bouts settled in an issued token, in stub mode: the allowed tokens, the token form of a bout and
every way its amounts can be wrong, the prepared EscrowCreates, the exact-decimal comparison of the
ledger's amount object, each outcome from draft to closed, and a fighter's trust-line requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

from ringledger.core.timeutil import to_ripple
from ringledger.main import create_asgi
from tests.conftest import test_settings
from tests.support import db_state
from tests.support.api import Account, Api, future_event
from tests.support.flow import KINDS, Flow
from tests.support.ledger_model import ledger_text
from tests.support.xrpl import new_address

ISSUER = new_address()
EURO_ISSUER = new_address()
HEX_CODE = "524C555344000000000000000000000000000000"  # "RLUSD", zero-padded
TOKENS = [
    {"label": "USD", "currency": "USD", "issuer": ISSUER},
    {"label": "RLUSD", "currency": HEX_CODE, "issuer": EURO_ISSUER},
]
AMOUNTS = {
    "show_a_amount": "1500",
    "show_b_amount": "1250.5",
    "bonus_a_amount": "500.25",
    "bonus_b_amount": "0.01",
}
DROPS = ("show_a_drops", "show_b_drops", "bonus_a_drops", "bonus_b_drops")
DAY = 24 * 3600


@pytest.fixture(scope="module")
def token_client(database: URL, data_dir: Path) -> Iterator[TestClient]:
    tuned = test_settings(database, data_dir, RINGLEDGER_TOKENS=TOKENS)
    with TestClient(create_asgi(tuned), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def token_api(token_client: TestClient) -> Api:
    return Api(token_client)


def token_body(api: Api, promoter: Account, a: Account, b: Account, **changes: Any) -> dict:
    body = api.bout_body(promoter, a, b, token="USD", **AMOUNTS)
    for name in DROPS:
        body.pop(name)
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


def create(api: Api, promoter: Account, a: Account, b: Account, **changes: Any) -> Any:
    body = token_body(api, promoter, a, b, **changes)
    return api.client.post("/bouts", json=body, headers=promoter.headers)


@pytest.fixture
def cast(token_api: Api) -> tuple[Account, Account, Account]:
    return token_api.promoter(), token_api.fighter(name="Ada"), token_api.fighter(name="Bea")


def token_bout(api: Api, cast: tuple[Account, Account, Account], **changes: Any) -> Flow:
    promoter, a, b = cast
    response = create(api, promoter, a, b, **changes)
    assert response.status_code == 201, response.text
    return Flow(api, promoter, response.json())


class TestAllowedTokens:
    def test_any_signed_in_user_sees_the_allowed_tokens(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        for who in cast:
            response = token_api.client.get("/tokens", headers=who.headers)
            assert response.status_code == 200, response.text
            assert response.json() == TOKENS

    def test_only_xrp_is_an_empty_list(self, api: Api) -> None:
        promoter = api.promoter()
        assert api.client.get("/tokens", headers=promoter.headers).json() == []

    def test_the_list_needs_a_sign_in(self, token_api: Api) -> None:
        response = token_api.client.get("/tokens")
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


class TestTheTokenForm:
    def test_a_token_bout_shows_the_ledgers_amount_objects(
        self, token_api: Api, cast: tuple[Account, Account, Account], database: URL
    ) -> None:
        flow = token_bout(token_api, cast, title="Title fight")
        view = flow.get().json()
        assert view["token"] == {
            "label": "USD",
            "currency": "USD",
            "issuer": ISSUER,
            "transfer_rate": None,
        }
        for escrow in view["escrows"]:
            kind = escrow["escrow_kind"]
            wanted = {"currency": "USD", "issuer": ISSUER, "value": AMOUNTS[f"{kind}_amount"]}
            assert escrow["amount_drops"] is None
            assert escrow["amount"] == wanted
            assert escrow["net_amount"] is None  # no rate read: stub mode never reads one
        stored = db_state.escrows(database, flow.id)
        assert {kind: row["amount_value"] for kind, row in stored.items()} == {
            kind: Decimal(AMOUNTS[f"{kind}_amount"]) for kind in KINDS
        }
        assert all(row["amount_drops"] is None for row in stored.values())

    def test_every_token_escrow_has_a_cancel_after(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        flow = token_bout(token_api, cast)
        view = flow.get().json()
        event = to_ripple(_instant(view["event_datetime_utc"]))
        after = {item["escrow_kind"]: item["cancel_after_ripple"] for item in view["escrows"]}
        assert after == {
            "show_a": event + 30 * DAY,
            "show_b": event + 30 * DAY,
            "bonus_a": event + 7 * DAY,
            "bonus_b": event + 7 * DAY,
        }

    def test_a_40_digit_code_is_kept_as_the_ledger_writes_it(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        flow = token_bout(token_api, cast, token="RLUSD")
        escrow = flow.escrow("show_a")
        assert escrow["amount"] == {"currency": HEX_CODE, "issuer": EURO_ISSUER, "value": "1500"}

    def test_an_xrp_bout_is_unchanged(self, api: Api) -> None:
        _, _, _, bout = api.cast()
        assert bout["token"] is None
        for escrow in bout["escrows"]:
            assert escrow["amount"] == str(escrow["amount_drops"])
            assert escrow["net_amount"] == escrow["amount"]
        shows = [item for item in bout["escrows"] if item["escrow_kind"].startswith("show")]
        assert all(item["cancel_after_ripple"] is None for item in shows)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


BAD_AMOUNTS = [
    ("0", "greater than zero"),
    ("0.000", "greater than zero"),
    ("-5", "plain decimal"),
    ("+5", "plain decimal"),
    ("1e2", "plain decimal"),
    ("1E2", "plain decimal"),
    ("1234567890123456", "15 significant digits"),
    ("1.23456789012345678", "15 significant digits"),
    ("abc", "plain decimal"),
    ("", "plain decimal"),
    (" 5", "plain decimal"),
    ("5.", "plain decimal"),
    (".5", "plain decimal"),
    ("05", "plain decimal"),
    ("1,000", "plain decimal"),
    ("NaN", "plain decimal"),
    ("Infinity", "plain decimal"),
    ("1" + "0" * 96, "range"),
    ("0." + "0" * 81 + "1", "range"),
]


class TestAmountRules:
    @pytest.mark.parametrize(("text", "why"), BAD_AMOUNTS)
    def test_a_malformed_amount_is_refused(
        self,
        token_api: Api,
        cast: tuple[Account, Account, Account],
        database: URL,
        text: str,
        why: str,
    ) -> None:
        response = create(token_api, *cast, bonus_b_amount=text)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["code"] == "plan_invalid"
        assert "bonus_b_amount" in body["detail"] and why in body["detail"]
        assert db_state.rows(database, "SELECT id FROM bouts") == []

    @pytest.mark.parametrize(
        "text", ["1", "0.01", "123456789012345", "1.00000000000000", "9999999999.99999", "0.5"]
    )
    def test_the_largest_precision_is_accepted(
        self, token_api: Api, cast: tuple[Account, Account, Account], text: str
    ) -> None:
        flow = token_bout(token_api, cast, show_a_amount=text)
        assert Decimal(flow.escrow("show_a")["amount"]["value"]) == Decimal(text)

    def test_a_number_instead_of_text_is_a_validation_error(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        response = create(token_api, *cast, show_a_amount=1500)
        assert response.status_code == 422 and response.json()["code"] == "validation_error"

    @pytest.mark.parametrize(
        ("changes", "why"),
        [
            ({"show_a_drops": 5_000_000}, "not both"),
            ({"token": None}, "names its token"),
            ({"bonus_a_amount": None}, "bonus_a_amount is missing"),
            ({"token": "EUR"}, "not a token bouts may use"),
            ({"token": "usd"}, "not a token bouts may use"),
        ],
    )
    def test_forms_mixed_or_incomplete(
        self,
        token_api: Api,
        cast: tuple[Account, Account, Account],
        changes: dict[str, Any],
        why: str,
    ) -> None:
        response = create(token_api, *cast, **changes)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "plan_invalid" and why in response.json()["detail"]

    def test_neither_form(self, token_api: Api, cast: tuple[Account, Account, Account]) -> None:
        promoter, a, b = cast
        body = token_body(token_api, promoter, a, b)
        for name in ("token", *AMOUNTS):
            body.pop(name)
        response = token_api.client.post("/bouts", json=body, headers=promoter.headers)
        assert response.status_code == 422 and response.json()["code"] == "plan_invalid"
        assert "Give the four purses" in response.json()["detail"]

    def test_amounts_without_a_token_are_not_an_xrp_bout(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        response = create(token_api, *cast, token=None, show_a_drops=None)
        assert response.status_code == 422 and "names its token" in response.json()["detail"]

    def test_a_token_no_longer_allowed_cannot_start_a_bout(
        self, api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        response = create(api, *cast)  # the default client allows no token
        assert response.status_code == 422 and response.json()["code"] == "plan_invalid"

    def test_the_promoter_may_not_be_the_issuer(
        self, token_api: Api, cast: tuple[Account, Account, Account], database: URL
    ) -> None:
        _, a, b = cast
        issuer = token_api.promoter()
        issuer.address = ISSUER
        response = create(token_api, issuer, a, b)
        assert response.status_code == 422, response.text
        assert "issuer" in response.json()["detail"]
        assert db_state.rows(database, "SELECT id FROM bouts") == []


class TestPreparedTransactions:
    def test_each_escrow_create_carries_the_amount_object_and_a_cancel_after(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        flow = token_bout(token_api, cast)
        response = flow.post("/escrows/prepare")
        assert response.status_code == 200, response.text
        escrows = {item["escrow_kind"]: item for item in flow.get().json()["escrows"]}
        for item in response.json()["escrows"]:
            tx, escrow = item["unsigned_tx"], escrows[item["escrow_kind"]]
            assert tx["TransactionType"] == "EscrowCreate"
            assert tx["Amount"] == escrow["amount"]
            assert tx["CancelAfter"] == escrow["cancel_after_ripple"]
            assert tx["FinishAfter"] == escrow["finish_after_ripple"]
            assert ("Condition" in tx) == item["escrow_kind"].startswith("bonus")


class TestExactDecimalEvidence:
    @pytest.mark.parametrize("written", ["1500", "1.5e3", "1500.0", "15E2", "1500.000000"])
    def test_the_same_value_written_another_way_matches(
        self, token_api: Api, cast: tuple[Account, Account, Account], written: str
    ) -> None:
        flow = token_bout(token_api, cast)
        assert flow.post("/escrows/prepare").status_code == 200
        amount = {"currency": "USD", "issuer": ISSUER, "value": written}
        response = flow.confirm_create("show_a", amount=amount)
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        "amount",
        [
            {"currency": "USD", "issuer": ISSUER, "value": "1500.00000000001"},  # 15th digit
            {"currency": "USD", "issuer": ISSUER, "value": "1499.99999999999"},
            {"currency": "USD", "issuer": ISSUER, "value": "15000"},
            {"currency": "usd", "issuer": ISSUER, "value": "1500"},
            {"currency": "USD", "issuer": EURO_ISSUER, "value": "1500"},
            {"currency": HEX_CODE, "issuer": ISSUER, "value": "1500"},
        ],
    )
    def test_any_other_amount_is_a_mismatch(
        self,
        token_api: Api,
        cast: tuple[Account, Account, Account],
        database: URL,
        amount: dict[str, str],
    ) -> None:
        flow = token_bout(token_api, cast)
        assert flow.post("/escrows/prepare").status_code == 200
        response = flow.confirm_create("show_a", amount=amount)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "invalid_confirmation"
        assert "amount" in response.json()["detail"]
        assert db_state.escrows(database, flow.id)["show_a"]["status"] == "planned"

    def test_drops_for_a_token_escrow_are_a_mismatch(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        flow = token_bout(token_api, cast)
        assert flow.post("/escrows/prepare").status_code == 200
        response = flow.confirm_create("show_a", amount=None, amount_drops=1500)
        assert response.status_code == 422 and response.json()["code"] == "invalid_confirmation"

    def test_an_amount_object_for_an_xrp_escrow_is_a_mismatch(self, api: Api) -> None:
        promoter, _, _, bout = api.cast()
        flow = Flow(api, promoter, bout)
        assert flow.post("/escrows/prepare").status_code == 200
        amount = {"currency": "USD", "issuer": ISSUER, "value": "5"}
        response = flow.confirm_create("show_a", amount=amount)
        assert response.status_code == 422 and response.json()["code"] == "invalid_confirmation"

    @pytest.mark.parametrize(
        "amount",
        [
            {"currency": "USD", "issuer": ISSUER, "value": "lots"},
            {"currency": "USD", "issuer": ISSUER, "value": 1500},
            {"currency": "USD", "issuer": ISSUER},
            {"currency": "USD", "issuer": ISSUER, "value": "1500", "extra": 1},
            {"currency": "US", "issuer": ISSUER, "value": "1500"},
            "1500",
        ],
    )
    def test_a_malformed_amount_object_is_a_validation_error(
        self, token_api: Api, cast: tuple[Account, Account, Account], amount: Any
    ) -> None:
        flow = token_bout(token_api, cast)
        assert flow.post("/escrows/prepare").status_code == 200
        response = flow.confirm_create("show_a", amount=amount)
        assert response.status_code == 422 and response.json()["code"] == "validation_error"


OUTCOMES = {
    "win_a": ({"winner": "A"}, {"show_a", "show_b", "bonus_a"}, {"bonus_b"}),
    "win_b": ({"winner": "B"}, {"show_a", "show_b", "bonus_b"}, {"bonus_a"}),
    "draw": ({"outcome": "draw"}, {"show_a", "show_b"}, {"bonus_a", "bonus_b"}),
    "no_contest": ({"outcome": "no_contest"}, {"show_a", "show_b"}, {"bonus_a", "bonus_b"}),
}


class TestLifecycle:
    @pytest.mark.parametrize("outcome", sorted(OUTCOMES))
    def test_from_draft_to_closed(
        self,
        token_api: Api,
        cast: tuple[Account, Account, Account],
        admin: Account,
        database: URL,
        outcome: str,
    ) -> None:
        result, finished, cancelled = OUTCOMES[outcome]
        flow = token_bout(token_api, cast, event_datetime_utc=future_event(-1.5))
        flow.create_all()
        assert flow.get().json()["status"] == "escrows_created"
        entered = flow.post("/result", result, who=admin)
        assert entered.status_code == 200, entered.text
        items = flow.prepare_payouts()
        assert {kind for kind, item in items.items() if item["action"] == "finish"} == finished
        for kind in sorted(items, key=lambda name: items[name]["action"] == "cancel"):
            response = flow.confirm_payout(items[kind])
            assert response.status_code == 200, response.text
        view = flow.get().json()
        assert (view["status"], view["refund_pending"]) == ("closed", False)
        statuses = {item["escrow_kind"]: item["status"] for item in view["escrows"]}
        assert statuses == {
            **dict.fromkeys(finished, "finished"),
            **dict.fromkeys(cancelled, "cancelled"),
        }
        # Stub evidence has no metadata: what arrived is not known, never guessed.
        stored = db_state.escrows(database, flow.id)
        assert all(row["delivered_value"] is None for row in stored.values())


class TestStoredSentShown:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        values=st.lists(
            st.decimals(
                min_value=Decimal("0.000001"),
                max_value=Decimal("999999999"),
                allow_nan=False,
                allow_infinity=False,
                places=6,
            ).filter(lambda value: value > 0),
            min_size=4,
            max_size=4,
        )
    )
    def test_the_same_decimal_everywhere(
        self,
        token_api: Api,
        cast: tuple[Account, Account, Account],
        database: URL,
        values: list[Decimal],
    ) -> None:
        texts = [format(value.normalize(), "f") for value in values]
        if any(len(value.normalize().as_tuple().digits) > 15 for value in values):
            return
        amounts = dict(zip(AMOUNTS, texts, strict=True))
        flow = token_bout(token_api, cast, **amounts)
        prepared = flow.post("/escrows/prepare")
        assert prepared.status_code == 200, prepared.text
        sent = {
            item["escrow_kind"]: item["unsigned_tx"]["Amount"]
            for item in prepared.json()["escrows"]
        }
        stored = db_state.escrows(database, flow.id)
        for kind, value in zip(KINDS, values, strict=True):
            assert stored[kind]["amount_value"] == value
            assert Decimal(sent[kind]["value"]) == value
            # The ledger writes values its own way (exponent form outside -25..-5): still equal.
            read_back = {**sent[kind], "value": ledger_text(value)}
            confirmed = flow.confirm_create(kind, amount=read_back)
            assert confirmed.status_code == 200, confirmed.text
        shown = {
            item["escrow_kind"]: item["amount"]["value"] for item in flow.get().json()["escrows"]
        }
        assert [Decimal(shown[kind]) for kind in KINDS] == values
        assert [shown[kind] for kind in KINDS] == texts


class TestTrustLinesInStubMode:
    def test_each_open_token_bout_is_listed_with_no_ledger_reading(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        first = token_bout(token_api, cast)
        second = token_bout(token_api, cast, token="RLUSD")
        third = token_bout(token_api, cast)
        _, a, _ = cast
        response = token_api.client.get("/fighters/me/trust-lines", headers=a.headers)
        assert response.status_code == 200, response.text
        assert response.json() == [
            {
                "label": "USD",
                "currency": "USD",
                "issuer": ISSUER,
                "bout_ids": [first.id, third.id],
                "ready": None,
                "reason": None,
            },
            {
                "label": "RLUSD",
                "currency": HEX_CODE,
                "issuer": EURO_ISSUER,
                "bout_ids": [second.id],
                "ready": None,
                "reason": None,
            },
        ]

    def test_xrp_and_closed_or_withdrawn_bouts_are_not_listed(
        self, token_api: Api, cast: tuple[Account, Account, Account], database: URL
    ) -> None:
        promoter, a, b = cast
        token_api.create_bout(promoter, a, b)  # XRP
        withdrawn = token_bout(token_api, cast)
        assert withdrawn.post("/withdraw").status_code == 200
        closed = token_bout(token_api, cast)
        db_state.execute(
            database,
            "UPDATE bouts SET status = 'closed', outcome = 'draw' WHERE id = %s",
            closed.id,
        )
        response = token_api.client.get("/fighters/me/trust-lines", headers=a.headers)
        assert response.json() == []

    def test_a_trust_set_for_the_fighters_own_address(
        self, token_api: Api, cast: tuple[Account, Account, Account], database: URL
    ) -> None:
        token_bout(token_api, cast)
        token_bout(token_api, cast)
        _, a, _ = cast
        response = token_api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=a.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        # Both bouts pay fighter A a show of 1500 and a bonus of 500.25.
        assert body["unsigned_tx"] == {
            "TransactionType": "TrustSet",
            "Account": a.address,
            "LimitAmount": {"currency": "USD", "issuer": ISSUER, "value": "4000.5"},
            "Flags": 131072,
        }
        assert body["xaman_sign_request"]["mode"] == "stub"
        [row] = db_state.rows(
            database, "SELECT * FROM audit_log WHERE action = 'fighter.trust_line'"
        )
        assert row["entity_id"] == a.user_id and row["details"]["limit"] == "4000.5"
        assert row["details"]["payload_id"] == body["xaman_sign_request"]["payload_id"]

    def test_a_limit_is_rounded_up_to_what_the_ledger_holds(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        # 123456789012345 + 0.5 needs 16 significant digits; a ledger amount has 15. Rounded
        # down, the line would lack room for the last half unit owed.
        token_bout(token_api, cast, show_a_amount="123456789012345", bonus_a_amount="0.5")
        _, a, _ = cast
        response = token_api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=a.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["unsigned_tx"]["LimitAmount"]["value"] == "123456789012346"

    def test_a_bonus_the_result_refunds_is_not_owed(
        self, token_api: Api, cast: tuple[Account, Account, Account], admin: Account
    ) -> None:
        flow = token_bout(token_api, cast, event_datetime_utc=future_event(-1.5))
        flow.create_all()
        assert flow.post("/result", {"winner": "B"}, who=admin).status_code == 200
        _, a, _ = cast
        response = token_api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=a.headers
        )
        # Fighter A lost: only the show (1500) will arrive, bonus_a goes back to the promoter.
        assert response.json()["unsigned_tx"]["LimitAmount"]["value"] == "1500"

    def test_a_label_not_allowed_is_404(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        _, a, _ = cast
        for label in ("EUR", "usd"):
            response = token_api.client.post(
                "/fighters/me/trust-lines", json={"label": label}, headers=a.headers
            )
            assert response.status_code == 404 and response.json()["code"] == "token_not_found"

    def test_without_a_profile_it_is_409(self, token_api: Api) -> None:
        fighter = token_api.register("fighter")
        response = token_api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=fighter.headers
        )
        assert response.status_code == 409 and response.json()["code"] == "profile_required"
        listed = token_api.client.get("/fighters/me/trust-lines", headers=fighter.headers)
        assert listed.status_code == 200 and listed.json() == []

    def test_with_nothing_owed_there_is_no_limit_to_ask_for(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        _, a, _ = cast
        response = token_api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=a.headers
        )
        assert response.status_code == 422 and response.json()["code"] == "nothing_owed"

    @pytest.mark.parametrize("body", [{}, {"label": 5}, {"label": "USD", "limit": "9"}])
    def test_a_malformed_body_is_a_validation_error(
        self, token_api: Api, cast: tuple[Account, Account, Account], body: dict[str, Any]
    ) -> None:
        _, a, _ = cast
        response = token_api.client.post("/fighters/me/trust-lines", json=body, headers=a.headers)
        assert response.status_code == 422 and response.json()["code"] == "validation_error"

    def test_only_fighters_have_trust_lines_here(
        self, token_api: Api, cast: tuple[Account, Account, Account]
    ) -> None:
        promoter, _, _ = cast
        for method in ("GET", "POST"):
            response = token_api.client.request(
                method, "/fighters/me/trust-lines", json={"label": "USD"}, headers=promoter.headers
            )
            assert response.status_code == 403 and response.json()["code"] == "forbidden"
