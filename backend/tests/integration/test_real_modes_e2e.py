"""The whole lifecycle in the real modes: Xaman's API (XAMAN_MODE=api) and an XRPL node (rpc).

Both outside systems are the wire-faithful local servers. The promoter's wallet is played here:
it takes the transaction Xaman received, fills in what a wallet fills in, signs it with a real
key and lets the local node validate it at a close time the ledger itself would accept. The
service learns everything else on its own: confirms carry only the escrow kind and the hash.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL
from xrpl.core.binarycodec import encode
from xrpl.wallet import Wallet

from ringledger.main import create_asgi
from tests.conftest import xaman_api_settings
from tests.support import db_state
from tests.support.api import Account, Api, future_event
from tests.support.fake_rippled import FakeRippled, sign_tx_json
from tests.support.fake_xaman import FakeXaman
from tests.support.flow import KINDS, Flow
from tests.support.wallets import LEDGER_GRACE, WALLET_FEE_DROPS, first_close_after, ledger_now
from tests.support.xrpl import new_address

WEBHOOK = "/webhooks/xaman"
# The loser's bonus is locked with a ticket: its OfferSequence must become the ticket number.
TICKET = 4_242
# PREIMAGE-SHA-256 of 32 zero bytes (docs/xrpl-and-xaman.md#crypto-conditions-preimage-sha-256): a valid condition, not the platform's.
STRANGE_CONDITION = "A025802066687AADF862BD776C8FC18B8E9F8E20089714856EE233B3902A591D0D5F2925810120"
STRANGE_FULFILLMENT = "A0228020" + "00" * 32


@dataclass(frozen=True)
class Validated:
    """A transaction the promoter signed and the node validated."""

    tx_hash: str
    tx: dict[str, Any]


class PromoterWallet:
    """The promoter's Xaman app plus the ledger it submits to."""

    def __init__(self, *, xaman: FakeXaman, node: FakeRippled) -> None:
        self.key = Wallet.create()
        self.address = self.key.classic_address
        self._xaman, self._node = xaman, node
        self._sequence = itertools.count(start=1_001)
        self._ledger = itertools.count(start=6_000_000)

    def sign(self, payload_id: str, *, close_time: int, ticket: int | None = None) -> Validated:
        """Sign what Xaman shows, let the node validate it (tesSUCCESS), mark the payload signed."""
        ledger_index = next(self._ledger)
        tx = dict(self._xaman.payloads[payload_id].txjson)
        if ticket is None:
            tx["Sequence"] = next(self._sequence)
        else:
            tx.update(Sequence=0, TicketSequence=ticket)
        tx.setdefault("Fee", WALLET_FEE_DROPS)
        tx["LastLedgerSequence"] = ledger_index + LEDGER_GRACE
        signed = sign_tx_json(tx, self.key)
        tx_hash = self._node.register_signed(
            signed, close_time=close_time, ledger_index=ledger_index
        )
        self._xaman.sign(
            payload_id,
            txid=tx_hash,
            nodetype="TESTNET",
            account=self.address,
            signed_hex=encode(signed),
        )
        return Validated(tx_hash, signed)


@pytest.fixture(scope="module")
def xaman() -> Iterator[FakeXaman]:
    with FakeXaman() as fake:
        yield fake


@pytest.fixture(scope="module")
def node() -> Iterator[FakeRippled]:
    with FakeRippled() as fake:
        yield fake


@pytest.fixture(scope="module")
def service(
    database: URL, data_dir: Path, xaman: FakeXaman, node: FakeRippled
) -> Iterator[TestClient]:
    settings = xaman_api_settings(
        database,
        data_dir,
        xaman,
        XRPL_MODE="rpc",
        XRPL_RPC_URL=node.url,
        XRPL_TIMEOUT_SECONDS=5,
        XRPL_NETWORK="TESTNET",
    )
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def wallet(xaman: FakeXaman, node: FakeRippled) -> PromoterWallet:
    return PromoterWallet(xaman=xaman, node=node)


@pytest.fixture
def flow(service: TestClient, wallet: PromoterWallet) -> Flow:
    """A draft bout whose event began an hour ago: FinishAfter is still an hour ahead."""
    api = Api(service)
    promoter = api.register("promoter")
    promoter.address = wallet.address
    a, b = api.fighter(name="Ada"), api.fighter(name="Bea")
    bout = api.create_bout(promoter, a, b, event_datetime_utc=future_event(hours=-1))
    return Flow(api, promoter, bout)


def prepare(flow: Flow, phase: str) -> dict[str, dict[str, Any]]:
    response = flow.post(f"/{phase}/prepare")
    assert response.status_code == 200, response.text
    return {item["escrow_kind"]: item for item in response.json()["escrows"]}


def payload_of(item: dict[str, Any]) -> str:
    return str(item["xaman_sign_request"]["payload_id"])


def confirm(flow: Flow, phase: str, kind: str, tx_hash: str, **claims: Any) -> httpx.Response:
    body = {"escrow_kind": kind, "tx_hash": tx_hash, **claims}
    return flow.post(f"/{phase}/confirm", body, key=str(uuid.uuid4()))


def reconcile(flow: Flow, phase: str, kind: str, payload_id: str) -> dict[str, Any]:
    response = flow.post(
        f"/{phase}/signing/reconcile", {"escrow_kind": kind, "payload_id": payload_id}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def escrows_of(flow: Flow) -> dict[str, dict[str, Any]]:
    return {item["escrow_kind"]: item for item in flow.get().json()["escrows"]}


def sign_creates(
    wallet: PromoterWallet, prepared: dict[str, dict[str, Any]]
) -> dict[str, Validated]:
    """Sign the prepared EscrowCreates; the node validates them now, before FinishAfter."""
    close_time = ledger_now()
    return {
        kind: wallet.sign(
            payload_of(item), close_time=close_time, ticket=TICKET if kind == "bonus_b" else None
        )
        for kind, item in prepared.items()
    }


def create_all(flow: Flow, wallet: PromoterWallet) -> dict[str, Validated]:
    validated = sign_creates(wallet, prepare(flow, "escrows"))
    for kind in KINDS:
        response = confirm(flow, "escrows", kind, validated[kind].tx_hash)
        assert response.status_code == 200, response.text
    return validated


def guard_of(escrow: dict[str, Any], action: str) -> int:
    """The time a payout must follow on the ledger: CancelAfter for a cancel, else FinishAfter."""
    return int(escrow["cancel_after_ripple" if action == "cancel" else "finish_after_ripple"])


def sign_payouts(
    flow: Flow, wallet: PromoterWallet, prepared: dict[str, dict[str, Any]]
) -> dict[str, Validated]:
    """Sign every prepared payout; the node validates each just after its time guard."""
    escrows = escrows_of(flow)
    return {
        kind: wallet.sign(
            payload_of(item), close_time=first_close_after(guard_of(escrows[kind], item["action"]))
        )
        for kind, item in prepared.items()
    }


def assert_sign_requests(
    xaman: FakeXaman, prepared: dict[str, dict[str, Any]], wallet: PromoterWallet
) -> None:
    """Xaman received exactly the unsigned transactions the service showed, one per attempt."""
    payloads = [xaman.payloads[payload_of(item)] for item in prepared.values()]
    for item, payload in zip(prepared.values(), payloads, strict=True):
        assert item["xaman_sign_request"]["mode"] == "api"
        assert payload.txjson == item["unsigned_tx"]
        assert payload.txjson["Account"] == wallet.address
        assert "Sequence" not in payload.txjson  # the wallet fills it in
        assert payload.options["submit"] is True
        assert payload.options["expire"] <= 60  # never outlives FinishAfter, an hour away
    assert len({payload.custom_meta["identifier"] for payload in payloads}) == len(payloads)


def learn_signatures(
    service: TestClient,
    xaman: FakeXaman,
    flow: Flow,
    phase: str,
    prepared: dict[str, dict[str, Any]],
    validated: dict[str, Validated],
    *,
    by_webhook: set[str],
) -> None:
    """The service learns of each signature, by Xaman's callback or by asking Xaman."""
    for kind, item in prepared.items():
        if kind in by_webhook:
            delivered = xaman.deliver_webhook(WEBHOOK, payload_of(item), client=service)
            assert delivered.status_code == 200 and delivered.json() == {"result": "recorded"}
        else:
            outcome = reconcile(flow, phase, kind, payload_of(item))
            assert outcome["signing_status"] == "signed"
            assert outcome["tx_hash"] == validated[kind].tx_hash
    signing = {kind: item["signing"] for kind, item in escrows_of(flow).items()}
    for kind, item in prepared.items():
        assert signing[kind] == {
            **signing[kind],
            "payload_id": payload_of(item),
            "status": "signed",
        }


def confirm_in_order(
    flow: Flow, phase: str, validated: dict[str, Validated], kinds: list[str]
) -> list[dict[str, Any]]:
    """Confirm each escrow with nothing but its kind and hash; the answers."""
    answers = []
    for kind in kinds:
        response = confirm(flow, phase, kind, validated[kind].tx_hash)
        assert response.status_code == 200, response.text
        answers.append(dict(response.json()))
    return answers


def bout_moves(database: URL, bout_id: str) -> list[tuple[str, str]]:
    return [
        (row["details"]["from"], row["details"]["to"])
        for row in db_state.audit(database, bout_id)
        if row["entity_type"] == "bout" and row["outcome"] == "applied" and "to" in row["details"]
    ]


class TestLifecycle:
    def test_draft_to_closed_then_the_refund(
        self,
        service: TestClient,
        xaman: FakeXaman,
        flow: Flow,
        wallet: PromoterWallet,
        admin: Account,
        database: URL,
    ) -> None:
        prepared = prepare(flow, "escrows")
        assert_sign_requests(xaman, prepared, wallet)
        created = sign_creates(wallet, prepared)
        learn_signatures(
            service, xaman, flow, "escrows", prepared, created, by_webhook={"show_a", "show_b"}
        )
        answers = confirm_in_order(flow, "escrows", created, list(KINDS))
        assert [answer["bout_status"] for answer in answers] == [
            "draft",
            "draft",
            "draft",
            "escrows_created",
        ]
        sequences = [created[kind].tx["Sequence"] for kind in KINDS[:3]] + [TICKET]
        assert [answer["offer_sequence"] for answer in answers] == sequences
        escrows = escrows_of(flow)
        assert [escrows[kind]["offer_sequence"] for kind in KINDS] == sequences
        assert [escrows[kind]["create_tx_hash"] for kind in KINDS] == [
            created[kind].tx_hash for kind in KINDS
        ]

        result = flow.post("/result", {"winner": "A"}, who=admin)
        assert result.status_code == 200 and result.json()["bout_status"] == "result_entered"

        payouts = prepare(flow, "payouts")
        assert {kind: item["action"] for kind, item in payouts.items()} == {
            "show_a": "finish",
            "show_b": "finish",
            "bonus_a": "finish",
            "bonus_b": "cancel",
        }
        assert payouts["bonus_b"]["unsigned_tx"]["OfferSequence"] == TICKET
        winner_finish = xaman.payloads[payload_of(payouts["bonus_a"])].txjson
        assert winner_finish["Fee"] == "350" and "Fulfillment" in winner_finish
        settled = sign_payouts(flow, wallet, payouts)
        assert settled["bonus_a"].tx["Fee"] == "350"  # the wallet kept the explicit fee
        learn_signatures(
            service, xaman, flow, "payouts", payouts, settled, by_webhook={"show_a", "bonus_a"}
        )
        answers = confirm_in_order(flow, "payouts", settled, ["show_b", "show_a", "bonus_a"])
        assert [(answer["escrow_status"], answer["bout_status"]) for answer in answers] == [
            ("finished", "payouts_in_progress"),
            ("finished", "payouts_in_progress"),
            ("finished", "closed"),
        ]
        assert flow.get().json()["refund_pending"] is True

        [refund] = confirm_in_order(flow, "payouts", settled, ["bonus_b"])
        assert (refund["escrow_status"], refund["bout_status"]) == ("cancelled", "closed")
        view = flow.get().json()
        assert view["refund_pending"] is False
        assert {item["escrow_kind"]: item["status"] for item in view["escrows"]} == {
            "show_a": "finished",
            "show_b": "finished",
            "bonus_a": "finished",
            "bonus_b": "cancelled",
        }
        assert bout_moves(database, flow.id) == [
            ("draft", "escrows_created"),
            ("escrows_created", "result_entered"),
            ("result_entered", "payouts_in_progress"),
            ("payouts_in_progress", "closed"),
        ]


def refused_claim(
    flow: Flow, phase: str, kind: str, tx_hash: str, claims: dict[str, Any], database: URL
) -> None:
    """A claim the ledger contradicts: 422 invalid_confirmation, recorded, status unchanged."""
    before = escrows_of(flow)[kind]["status"]
    bout_before = flow.get().json()["status"]
    response = confirm(flow, phase, kind, tx_hash, **claims)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == body["failure_code"] == "invalid_confirmation"
    assert "disagrees with the ledger" in body["detail"]
    escrow = escrows_of(flow)[kind]
    assert escrow["status"] == before and escrow["failure_code"] == "invalid_confirmation"
    assert flow.get().json()["status"] == bout_before
    last = db_state.audit(database, flow.id)[-1]
    assert (last["outcome"], last["failure_code"]) == ("rejected", "invalid_confirmation")


def signed_bonus_a(flow: Flow, wallet: PromoterWallet) -> Validated:
    """Only fighter A's bonus EscrowCreate, signed and validated."""
    return wallet.sign(payload_of(prepare(flow, "escrows")["bonus_a"]), close_time=ledger_now())


class TestEscrowConfirmClaims:
    @pytest.mark.parametrize(
        "claims",
        [
            {"offer_sequence": 999_999},
            {"owner_address": new_address()},
            {"destination_address": new_address()},
            {"amount_drops": 2_000_001},
            {"finish_after_ripple": 1},
            {"cancel_after_ripple": 1},
            {"condition_hex": STRANGE_CONDITION},
            {"validated": False},
            {"engine_result": "tecUNFUNDED_PAYMENT"},
        ],
        ids=lambda claims: next(iter(claims)),
    )
    def test_a_claim_the_ledger_contradicts(
        self, flow: Flow, wallet: PromoterWallet, database: URL, claims: dict[str, Any]
    ) -> None:
        validated = signed_bonus_a(flow, wallet)
        refused_claim(flow, "escrows", "bonus_a", validated.tx_hash, claims, database)
        retried = confirm(flow, "escrows", "bonus_a", validated.tx_hash)
        assert retried.status_code == 200, retried.text
        assert escrows_of(flow)["bonus_a"]["failure_code"] is None

    def test_claims_that_agree_with_the_ledger(self, flow: Flow, wallet: PromoterWallet) -> None:
        validated = signed_bonus_a(flow, wallet)
        escrow = escrows_of(flow)["bonus_a"]
        claims = {
            "offer_sequence": validated.tx["Sequence"],
            "validated": True,
            "engine_result": "tesSUCCESS",
            "owner_address": escrow["owner_address"],
            "destination_address": escrow["destination_address"],
            "amount_drops": escrow["amount_drops"],
            "finish_after_ripple": escrow["finish_after_ripple"],
            "cancel_after_ripple": escrow["cancel_after_ripple"],
            "condition_hex": escrow["condition_hex"].lower(),
        }
        response = confirm(flow, "escrows", "bonus_a", validated.tx_hash, **claims)
        assert response.status_code == 200, response.text
        assert response.json()["offer_sequence"] == validated.tx["Sequence"]


class TestPayoutConfirmClaims:
    @pytest.mark.parametrize(
        "claims",
        [
            {"transaction_type": "EscrowCancel"},
            {"owner_address": new_address()},
            {"offer_sequence": 999_999},
            {"close_time_ripple": 1},
            {"fulfillment_hex": STRANGE_FULFILLMENT},
            {"engine_result": "tecCRYPTOCONDITION_ERROR"},
        ],
        ids=lambda claims: next(iter(claims)),
    )
    def test_a_claim_the_ledger_contradicts(
        self,
        flow: Flow,
        wallet: PromoterWallet,
        admin: Account,
        database: URL,
        claims: dict[str, Any],
    ) -> None:
        create_all(flow, wallet)
        assert flow.post("/result", {"winner": "A"}, who=admin).status_code == 200
        payouts = prepare(flow, "payouts")
        finish = sign_payouts(flow, wallet, {"bonus_a": payouts["bonus_a"]})["bonus_a"]
        refused_claim(flow, "payouts", "bonus_a", finish.tx_hash, claims, database)
        retried = confirm(flow, "payouts", "bonus_a", finish.tx_hash)
        assert retried.status_code == 200, retried.text
        assert retried.json()["bout_status"] == "payouts_in_progress"
