"""POST /bouts/{id}/escrows/{kind}/claim: a fighter's own EscrowFinish of their show escrow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.main import create_asgi
from tests.conftest import xaman_api_settings
from tests.support import db_state
from tests.support.api import Account, Api
from tests.support.fake_xaman import FakeXaman, WalletRefused
from tests.support.flow import Flow


def created_bout(api: Api) -> tuple[Flow, Account, Account]:
    """A bout with its four escrows created; its fighters A and B."""
    promoter, a, b, bout = api.cast()
    flow = Flow(api, promoter, bout)
    flow.create_all()
    return flow, a, b


def past_finish_after(database: URL, flow: Flow) -> None:
    """Move the bout's FinishAfter into the past (the escrows keep their ledger times)."""
    moment = datetime.now(UTC) - timedelta(minutes=1)
    db_state.execute(
        database, "UPDATE bouts SET finish_after_at = %s WHERE id = %s", moment, flow.id
    )


def claim(flow: Flow, kind: str, who: Account | None):  # type: ignore[no-untyped-def]
    headers = who.headers if who is not None else {}
    return flow.api.client.post(f"/bouts/{flow.id}/escrows/{kind}/claim", headers=headers)


class TestWhoMayClaim:
    def test_the_order_401_403_404(self, api: Api, admin: Account) -> None:
        flow, a, b = created_bout(api)
        assert claim(flow, "show_a", None).status_code == 401
        assert claim(flow, "show_a", flow.promoter).status_code == 403
        assert claim(flow, "show_a", admin).status_code == 403
        stranger = api.fighter()
        refused = claim(flow, "show_a", stranger)
        assert (refused.status_code, refused.json()["code"]) == (404, "bout_not_found")
        # The other fighter sees the bout, but this escrow does not pay them.
        assert claim(flow, "show_a", b).status_code == 403

    def test_a_bonus_is_never_claimable(self, api: Api, database: URL) -> None:
        flow, a, _ = created_bout(api)
        past_finish_after(database, flow)
        refused = claim(flow, "bonus_a", a)
        assert (refused.status_code, refused.json()["code"]) == (422, "not_claimable")
        assert claim(flow, "nonsense", a).status_code == 422

    def test_not_before_finish_after_nor_before_the_escrow_exists(self, api: Api) -> None:
        promoter, a, b, bout = api.cast()
        draft = Flow(api, promoter, bout)
        early = claim(draft, "show_a", a)
        assert (early.status_code, early.json()["code"]) == (409, "state_conflict")
        draft.create_all()
        waiting = claim(draft, "show_a", a)
        assert waiting.status_code == 409 and "FinishAfter" in waiting.json()["detail"]


class TestTheClaim:
    def test_an_escrow_finish_from_the_fighters_address(self, api: Api, database: URL) -> None:
        flow, a, _ = created_bout(api)
        past_finish_after(database, flow)
        escrow = flow.escrow("show_a")
        response = claim(flow, "show_a", a)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["bout_id"] == flow.id and answer["escrow_kind"] == "show_a"
        assert answer["unsigned_tx"] == {
            "TransactionType": "EscrowFinish",
            "Account": a.address,
            "Owner": escrow["owner_address"],
            "OfferSequence": escrow["offer_sequence"],
        }
        assert answer["xaman_sign_request"]["mode"] == "stub"
        # The promoter's flow does not see the fighter's request as the escrow's.
        shown = flow.escrow("show_a")["signing"]["payload_id"]
        assert (
            shown == escrow["signing"]["payload_id"] != answer["xaman_sign_request"]["payload_id"]
        )
        [row] = [
            r for r in db_state.audit(database, flow.id) if r["action"] == "signing.claim.request"
        ]
        assert row["actor_role"] == "fighter" and row["details"]["escrow_kind"] == "show_a"

    def test_a_new_claim_supersedes_the_earlier_one(self, api: Api, database: URL) -> None:
        flow, a, _ = created_bout(api)
        past_finish_after(database, flow)
        first = claim(flow, "show_a", a).json()["xaman_sign_request"]["payload_id"]
        second = claim(flow, "show_a", a).json()["xaman_sign_request"]["payload_id"]
        statuses = {
            row["payload_id"]: row["status"]
            for row in db_state.rows(
                database,
                "SELECT payload_id, status::text FROM signing_attempts WHERE phase = 'claim'",
            )
        }
        assert statuses == {first: "superseded", second: "open"}


@pytest.fixture
def xaman() -> Iterator[FakeXaman]:
    with FakeXaman() as fake:
        yield fake


@pytest.fixture
def api_mode(database: URL, data_dir: Path, xaman: FakeXaman) -> Iterator[Api]:
    with TestClient(create_asgi(xaman_api_settings(database, data_dir, xaman))) as client:
        yield Api(client)


def test_only_the_fighters_address_may_sign_it_at_xaman(
    api_mode: Api, xaman: FakeXaman, database: URL
) -> None:
    promoter, a, b, bout = api_mode.cast()
    flow = Flow(api_mode, promoter, bout)
    flow.post("/escrows/prepare")
    for kind in ("show_a", "show_b", "bonus_a", "bonus_b"):
        assert flow.confirm_create(kind).status_code == 200
    past_finish_after(database, flow)
    answer = claim(flow, "show_a", a).json()
    payload = xaman.payloads[answer["xaman_sign_request"]["payload_id"]]
    assert payload.options["signers"] == [a.address]
    assert payload.options["force_network"] == "TESTNET"
    with pytest.raises(WalletRefused):
        xaman.sign(payload.uuid, txid="AB" * 32, account=promoter.address)
