"""Token bouts in the real modes, against the Xaman and XRPL node stand-ins: every check escrow
prepare makes on the ledger before a sign request exists, a bout from prepare to closed with the
issuer's transfer fee (and what actually arrived), the watch on a token show escrow, and a fighter
adding their trust line with one scan."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.core.tokens import net_of
from ringledger.main import create_asgi
from tests.conftest import xaman_api_settings
from tests.integration.test_ledger_follow_through import (
    RPC,
    moves,
    overrides,
    payload_of,
    worker_pass,
)
from tests.support import db_state
from tests.support.api import Account, Api, future_event
from tests.support.fake_rippled import FakeRippled
from tests.support.fake_xaman import FakeXaman
from tests.support.flow import Flow
from tests.support.ledger_model import delivered
from tests.support.operator import environment, run_cli
from tests.support.wallets import LedgerWallet, first_close_after, ledger_now

AMOUNTS = {
    "show_a_amount": "1000",
    "show_b_amount": "800",
    "bonus_a_amount": "250.5",
    "bonus_b_amount": "100",
}
OWED = {"A": Decimal("1250.5"), "B": Decimal("900")}
TOTAL = Decimal("2150.5")
FEE_RATE = 1_001_000_000  # 0.1 %


@pytest.fixture(scope="module")
def xaman() -> Iterator[FakeXaman]:
    with FakeXaman() as fake:
        yield fake


@pytest.fixture(scope="module")
def node() -> Iterator[FakeRippled]:
    with FakeRippled() as fake:
        fake.ledger.set_clock(close_time=ledger_now())
        yield fake


@pytest.fixture(scope="module")
def issuer(node: FakeRippled) -> LedgerWallet:
    wallet = LedgerWallet(node=node)
    node.ledger.add_account(wallet.address, allow_trust_line_locking=True)
    return wallet


@pytest.fixture(scope="module")
def tokens(issuer: LedgerWallet) -> list[dict[str, str]]:
    return [{"label": "USD", "currency": "USD", "issuer": issuer.address}]


@pytest.fixture(scope="module")
def service(
    database: URL,
    data_dir: Path,
    xaman: FakeXaman,
    node: FakeRippled,
    tokens: list[dict[str, str]],
) -> Iterator[TestClient]:
    settings = xaman_api_settings(
        database, data_dir, xaman, **RPC, XRPL_RPC_URL=node.url, RINGLEDGER_TOKENS=tokens
    )
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def env(
    database: URL,
    data_dir: Path,
    xaman: FakeXaman,
    node: FakeRippled,
    tokens: list[dict[str, str]],
) -> dict[str, str]:
    import json

    values = overrides(xaman, node, RINGLEDGER_TOKENS=json.dumps(tokens))
    return environment(database, data_dir, **{name: str(value) for name, value in values.items()})


class TokenScene:
    """A token bout whose promoter and fighters have wallets and, unless a test changes them,
    everything the ledger needs: the promoter's line holds the purses, the fighters' lines
    have room for what the bout pays them."""

    def __init__(
        self,
        service: TestClient,
        node: FakeRippled,
        xaman: FakeXaman,
        issuer: LedgerWallet,
        admin: Account,
    ) -> None:
        self.node, self.xaman, self.admin = node, xaman, admin
        self.issuer = node.ledger.add_account(
            issuer.address, allow_trust_line_locking=True, transfer_rate=None
        )
        self.api = Api(service)
        self.wallet = LedgerWallet(node=node, xaman=xaman)
        self.fighters = {corner: LedgerWallet(node=node, xaman=xaman) for corner in "AB"}
        self.lines = {
            "promoter": node.ledger.add_trust_line(
                self.wallet.address, issuer.address, "USD", balance="5000", limit="100000"
            ),
            **{
                corner: node.ledger.add_trust_line(
                    wallet.address, issuer.address, "USD", limit="10000"
                )
                for corner, wallet in self.fighters.items()
            },
        }
        promoter = self.api.register("promoter")
        promoter.address = self.wallet.address
        self.accounts = {
            "A": self.api.fighter(name="Ada", address=self.fighters["A"].address),
            "B": self.api.fighter(name="Bea", address=self.fighters["B"].address),
        }
        body = self.api.bout_body(
            promoter,
            self.accounts["A"],
            self.accounts["B"],
            event_datetime_utc=future_event(hours=-1),
            token="USD",
            **AMOUNTS,
        )
        for name in ("show_a_drops", "show_b_drops", "bonus_a_drops", "bonus_b_drops"):
            body.pop(name)
        response = self.api.client.post("/bouts", json=body, headers=promoter.headers)
        assert response.status_code == 201, response.text
        self.flow = Flow(self.api, promoter, response.json())

    def prepare(self, phase: str) -> Any:
        return self.flow.post(f"/{phase}/prepare")

    def view(self) -> dict[str, Any]:
        return dict(self.flow.get().json())

    def escrows(self) -> dict[str, dict[str, Any]]:
        return {item["escrow_kind"]: item for item in self.view()["escrows"]}

    def after(self, guard: int) -> int:
        return max(first_close_after(guard), self.node.ledger.close_time + 10)


@pytest.fixture
def scene(
    service: TestClient, node: FakeRippled, xaman: FakeXaman, issuer: LedgerWallet, admin: Account
) -> TokenScene:
    return TokenScene(service, node, xaman, issuer, admin)


def refused(scene: TokenScene, *words: str) -> None:
    """Prepare answers 422 plan_invalid naming `words`, and no sign request exists."""
    before = len(scene.xaman.payloads)
    response = scene.prepare("escrows")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "plan_invalid"
    for word in words:
        assert word in body["detail"], body["detail"]
    assert len(scene.xaman.payloads) == before
    view = scene.view()
    assert view["token"]["transfer_rate"] is None
    assert {escrow["signing"] is None for escrow in view["escrows"]} == {True}


class TestPrepareRefusals:
    def test_the_issuer_does_not_allow_locking(self, scene: TokenScene) -> None:
        scene.issuer.flags = 0
        refused(scene, "Allow Trust Line Locking", "AccountSet flag 17", "the issuer must")

    def test_the_issuer_froze_its_token(self, scene: TokenScene) -> None:
        scene.node.ledger.add_account(
            scene.issuer.address, allow_trust_line_locking=True, global_freeze=True
        )
        refused(scene, "global freeze")

    def test_the_issuer_is_no_account(self, scene: TokenScene) -> None:
        with scene.node.ledger.lock:
            del scene.node.ledger.accounts[scene.issuer.address]
        refused(scene, "not an account on the ledger", "RINGLEDGER_TOKENS")

    def test_the_promoter_has_no_line(self, scene: TokenScene) -> None:
        with scene.node.ledger.lock:
            del scene.node.ledger.lines[(scene.wallet.address, scene.issuer.address, "USD")]
        refused(scene, "promoter's account", "no trust line", "the promoter must")

    def test_the_promoter_holds_too_little(self, scene: TokenScene) -> None:
        scene.lines["promoter"].balance = TOTAL - Decimal("0.01")
        refused(scene, "holds 2150.49", "less than the 2150.5", "fund the account")

    def test_the_promoter_holds_exactly_enough(self, scene: TokenScene) -> None:
        scene.lines["promoter"].balance = TOTAL
        response = scene.prepare("escrows")
        assert response.status_code == 200, response.text

    def test_the_promoters_line_is_frozen(self, scene: TokenScene) -> None:
        scene.lines["promoter"].frozen = True
        refused(scene, "promoter's account", "frozen", "lift the freeze")

    def test_the_promoter_is_not_authorized(self, scene: TokenScene) -> None:
        scene.issuer.flags |= 0x00040000  # lsfRequireAuth
        for corner in "AB":
            scene.lines[corner].authorized = True
        refused(scene, "must authorize", "promoter's account")

    def test_a_fighter_has_no_line(self, scene: TokenScene) -> None:
        address = scene.fighters["B"].address
        with scene.node.ledger.lock:
            del scene.node.ledger.lines[(address, scene.issuer.address, "USD")]
        refused(scene, f"Fighter B ({address})", "no trust line", "the fighter must add one")

    def test_a_fighters_limit_leaves_no_room(self, scene: TokenScene) -> None:
        line = scene.lines["A"]
        line.limit, line.balance = Decimal("2000"), Decimal("750")
        refused(scene, "Fighter A", "room for 1250", "less than the 1250.5", "raise its limit")

    @pytest.mark.parametrize("how", ["frozen", "deep_frozen", "holder_frozen"])
    def test_a_fighters_line_is_frozen(self, scene: TokenScene, how: str) -> None:
        setattr(scene.lines["B"], how, True)
        refused(scene, "Fighter B", "frozen")

    def test_a_fighter_is_not_authorized(self, scene: TokenScene) -> None:
        scene.issuer.flags |= 0x00040000
        scene.lines["promoter"].authorized = scene.lines["B"].authorized = True
        refused(scene, "must authorize Fighter A")

    def test_a_failing_node_refuses_nothing_and_creates_nothing(self, scene: TokenScene) -> None:
        from tests.support.fake_rippled import RippledFault

        before = len(scene.xaman.payloads)
        scene.node.fail_next(RippledFault.HTTP_ERROR, method="account_lines")
        response = scene.prepare("escrows")
        assert response.status_code == 502 and response.json()["code"] == "ledger_unavailable"
        assert len(scene.xaman.payloads) == before


class TestFromPrepareToClosed:
    def test_with_a_transfer_fee(
        self, scene: TokenScene, env: dict[str, str], database: URL
    ) -> None:
        scene.issuer.transfer_rate = FEE_RATE
        prepared = scene.prepare("escrows")
        assert prepared.status_code == 200, prepared.text
        view = scene.view()
        assert view["token"]["transfer_rate"] == FEE_RATE
        for escrow in view["escrows"]:
            value = Decimal(escrow["amount"]["value"])
            assert Decimal(escrow["net_amount"]["value"]) == net_of(value, FEE_RATE)
        assert scene.escrows()["show_a"]["net_amount"]["value"] == "999.000999000999"
        for item in prepared.json()["escrows"]:
            scene.wallet.sign_request(payload_of(item))
        assert worker_pass(env).exit_code == 0
        assert scene.view()["status"] == "escrows_created"
        assert scene.lines["promoter"].balance == Decimal(5000) - TOTAL
        # The issuer lowers its fee after the escrows exist: the lower rate applies at finish.
        scene.issuer.transfer_rate = 1_000_500_000
        entered = scene.flow.post("/result", {"winner": "A"}, who=scene.admin)
        assert entered.status_code == 200, entered.text
        payouts = scene.prepare("payouts")
        assert payouts.status_code == 200, payouts.text
        items = {item["escrow_kind"]: item for item in payouts.json()["escrows"]}
        refund = items.pop("bonus_b")
        escrows = scene.escrows()
        for kind, item in items.items():
            close = scene.after(int(escrows[kind]["finish_after_ripple"]))
            tx_hash, _ = scene.wallet.sign_request(payload_of(item), close_time=close)
            confirm = scene.flow.post(
                "/payouts/confirm", {"escrow_kind": kind, "tx_hash": tx_hash}, key=f"k-{kind}"
            )
            assert confirm.status_code == 200, confirm.text
        view = scene.view()
        assert (view["status"], view["refund_pending"]) == ("closed", True)
        arrived = {
            corner: delivered(AMOUNTS[f"show_{corner.lower()}_amount"], FEE_RATE, 1_000_500_000)
            for corner in "AB"
        }
        arrived["A"] += delivered(AMOUNTS["bonus_a_amount"], FEE_RATE, 1_000_500_000)
        assert scene.lines["A"].balance == arrived["A"]
        assert scene.lines["B"].balance == arrived["B"]
        stored = db_state.escrows(database, scene.flow.id)
        assert stored["show_a"]["delivered_value"] == delivered("1000", FEE_RATE, 1_000_500_000)
        # At the lower rate more arrived than the estimate at the recorded one.
        assert stored["show_a"]["delivered_value"] > Decimal(
            escrows["show_a"]["net_amount"]["value"]
        )
        close = scene.after(int(escrows["bonus_b"]["cancel_after_ripple"]))
        scene.wallet.sign_request(payload_of(refund), close_time=close)
        assert worker_pass(env).exit_code == 0
        view = scene.view()
        assert (view["status"], view["refund_pending"], view["anomalies"]) == ("closed", False, [])
        assert scene.lines["promoter"].balance == Decimal(5000) - TOTAL + Decimal(100)
        assert db_state.escrows(database, scene.flow.id)["bonus_b"]["delivered_value"] == 100
        evidence = scene.flow.get("/evidence", who=scene.admin).json()
        show_a = next(item for item in evidence["amounts"] if item["escrow_kind"] == "show_a")
        assert show_a["amount"] == escrows["show_a"]["amount"]
        assert show_a["net_amount"] == escrows["show_a"]["net_amount"]
        assert Decimal(show_a["delivered_amount"]["value"]) == arrived["A"] - delivered(
            AMOUNTS["bonus_a_amount"], FEE_RATE, 1_000_500_000
        )

    def test_no_fee_means_the_whole_amount(self, scene: TokenScene, env: dict[str, str]) -> None:
        prepared = scene.prepare("escrows")
        assert prepared.status_code == 200, prepared.text
        view = scene.view()
        assert view["token"]["transfer_rate"] == 1_000_000_000
        assert all(escrow["net_amount"] == escrow["amount"] for escrow in view["escrows"])

    def test_the_watch_sees_a_token_show_cancelled_after_its_cancel_after(
        self, scene: TokenScene, env: dict[str, str], database: URL, node: FakeRippled
    ) -> None:
        prepared = scene.prepare("escrows")
        for item in prepared.json()["escrows"]:
            scene.wallet.sign_request(payload_of(item))
        assert worker_pass(env).exit_code == 0
        show = scene.escrows()["show_b"]
        stranger = LedgerWallet(node=node)
        stranger.submit(
            {
                "TransactionType": "EscrowCancel",
                "Account": stranger.address,
                "Owner": show["owner_address"],
                "OfferSequence": show["offer_sequence"],
            },
            close_time=scene.after(int(show["cancel_after_ripple"])),
        )
        assert worker_pass(env).exit_code == 0
        view = scene.view()
        [anomaly] = view["anomalies"]
        assert anomaly["escrow_kind"] == "show_b" and "cancelled" in anomaly["reason"]
        assert scene.escrows()["show_b"]["status"] == "cancelled"
        [row] = moves(database, scene.flow.id, "escrow.observed_on_ledger")
        assert row["outcome"] == "anomaly"
        checked = run_cli(env, "ledger-check")
        assert checked.exit_code == 0, checked.output


class TestFighterTrustLines:
    def test_a_fighter_adds_the_missing_line_with_one_scan(
        self, scene: TokenScene, issuer: LedgerWallet
    ) -> None:
        fighter = scene.fighters["A"]
        with scene.node.ledger.lock:
            del scene.node.ledger.lines[(fighter.address, issuer.address, "USD")]
        account = scene.accounts["A"]
        listed = scene.api.client.get("/fighters/me/trust-lines", headers=account.headers)
        assert listed.status_code == 200, listed.text
        [item] = listed.json()
        assert (item["label"], item["bout_ids"], item["ready"]) == ("USD", [scene.flow.id], False)
        assert "no trust line" in item["reason"]
        response = scene.api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=account.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        payload = scene.xaman.payloads[body["xaman_sign_request"]["payload_id"]]
        assert payload.txjson == body["unsigned_tx"]
        assert payload.txjson["LimitAmount"]["value"] == str(OWED["A"])
        assert payload.options["signers"] == [fighter.address]
        assert payload.options["force_network"] == "TESTNET"
        fighter.sign_request(payload.uuid)
        again = scene.api.client.get("/fighters/me/trust-lines", headers=account.headers)
        assert again.json()[0] | {"bout_ids": None} == {
            **item,
            "bout_ids": None,
            "ready": True,
            "reason": None,
        }
        assert scene.prepare("escrows").status_code == 200

    def test_a_limit_is_raised_never_lowered(self, scene: TokenScene) -> None:
        line = scene.lines["B"]
        line.limit, line.balance = Decimal("500"), Decimal("450")
        account = scene.accounts["B"]
        listed = scene.api.client.get("/fighters/me/trust-lines", headers=account.headers)
        assert (
            listed.json()[0]["ready"] is False and "raise its limit" in listed.json()[0]["reason"]
        )
        response = scene.api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=account.headers
        )
        limit = response.json()["unsigned_tx"]["LimitAmount"]["value"]
        assert Decimal(limit) == Decimal("450") + OWED["B"]
        line.limit = Decimal("1000000")
        response = scene.api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=account.headers
        )
        assert response.json()["unsigned_tx"]["LimitAmount"]["value"] == "1000000"

    def test_a_bout_paying_an_address_the_profile_no_longer_has(
        self, scene: TokenScene, node: FakeRippled
    ) -> None:
        account = scene.accounts["A"]
        old = scene.fighters["A"].address
        moved = LedgerWallet(node=node)
        saved = scene.api.client.put(
            "/fighters/me",
            json={"display_name": "Ada", "xrpl_address": moved.address},
            headers=account.headers,
        )
        assert saved.status_code == 200, saved.text
        listed = scene.api.client.get("/fighters/me/trust-lines", headers=account.headers)
        [item] = listed.json()
        assert item["ready"] is False
        assert old in item["reason"] and "not your profile's address now" in item["reason"]

    def test_an_address_owed_nothing_more_needs_no_line(
        self, scene: TokenScene, node: FakeRippled, database: URL
    ) -> None:
        # The bout paid fighter A's old address everything it owed A: the new profile address
        # is not the one paid, and the old one needs no room any more.
        account = scene.accounts["A"]
        moved = LedgerWallet(node=node)
        saved = scene.api.client.put(
            "/fighters/me",
            json={"display_name": "Ada", "xrpl_address": moved.address},
            headers=account.headers,
        )
        assert saved.status_code == 200, saved.text
        db_state.execute(
            database,
            "UPDATE escrows SET status = 'finished', offer_sequence = 7,"
            " create_tx_hash = upper(md5(id::text) || md5(kind::text)),"
            " close_tx_hash = upper(md5(kind::text) || md5(id::text))"
            " WHERE bout_id = %s AND kind IN ('show_a', 'bonus_a')",
            scene.flow.id,
        )
        listed = scene.api.client.get("/fighters/me/trust-lines", headers=account.headers)
        [item] = listed.json()
        assert (item["bout_ids"], item["ready"], item["reason"]) == ([scene.flow.id], True, None)
        asked = scene.api.client.post(
            "/fighters/me/trust-lines", json={"label": "USD"}, headers=account.headers
        )
        assert asked.status_code == 422 and asked.json()["code"] == "nothing_owed"

    def test_a_ready_account(self, scene: TokenScene) -> None:
        account = scene.accounts["A"]
        listed = scene.api.client.get("/fighters/me/trust-lines", headers=account.headers)
        assert [(item["ready"], item["reason"]) for item in listed.json()] == [(True, None)]
