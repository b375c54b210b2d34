"""RpcLedgerVerifier against a local XRPL node stand-in over real JSON-RPC (docs/xrpl-and-xaman.md#reading-the-ledger-tx-and-server_info)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY
from xrpl.asyncio.clients import AsyncJsonRpcClient
from xrpl.wallet import Wallet

from ringledger.core.config import Settings
from ringledger.ledger.interface import LedgerTx, LedgerUnavailable, NetworkMismatch
from ringledger.ledger.rpc import RpcLedgerVerifier
from tests.support.fake_rippled import FakeRippled, RippledFault, sign_tx_json
from tests.support.local_http import refused_url
from tests.support.xrpl import new_address

pytestmark = [pytest.mark.anyio, pytest.mark.no_db]

# PREIMAGE-SHA-256 of 32 zero bytes (docs/xrpl-and-xaman.md#crypto-conditions-preimage-sha-256), in lower case to see it upper-cased.
CONDITION = "a025802066687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925810120"
FULFILLMENT = "a0228020" + "00" * 32
CLOSE_TIME = 857_000_010
UNKNOWN_HASH = "AB" * 32
# What the caller claims; the verifier must ignore all of it.
CLAIMED = LedgerTx(tx_hash=UNKNOWN_HASH, validated=True, engine_result="tesSUCCESS", sequence=1)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def node() -> Iterator[FakeRippled]:
    # A slow answer sleeps far past the impatient timeout; stopping the server wakes it.
    with FakeRippled(slow_seconds=5.0) as server:
        yield server


@pytest.fixture
async def verifier(node: FakeRippled) -> AsyncIterator[RpcLedgerVerifier]:
    # Generous: xrpl-py builds a new HTTP client per request, slow on a busy 2-core machine.
    settings = Settings(XRPL_MODE="rpc", XRPL_RPC_URL=node.url, XRPL_TIMEOUT_SECONDS=5)
    ledger = RpcLedgerVerifier.from_settings(settings)
    yield ledger
    await ledger.aclose()


@pytest.fixture
def impatient(node: FakeRippled) -> RpcLedgerVerifier:
    """The verifier for the slow-node cases: gives up after 0.3 s."""
    return RpcLedgerVerifier(url=node.url, timeout_seconds=0.3)


@pytest.fixture(scope="module")
def promoter() -> Wallet:
    return Wallet.from_seed(Wallet.create().seed or "")


def escrow_create(promoter: Wallet, **fields: Any) -> dict[str, Any]:
    """A bonus EscrowCreate as the wallet would sign it (Fee and Sequence filled in)."""
    return {
        "TransactionType": "EscrowCreate",
        "Account": promoter.classic_address,
        "Destination": new_address(),
        "Amount": "25000000",
        "FinishAfter": 857_000_000,
        "CancelAfter": 857_086_400,
        "Condition": CONDITION,
        "Fee": "12",
        "Sequence": 7,
        **fields,
    }


def calls(outcome: str, operation: str = "tx") -> float:
    labels = {"system": "xrpl", "operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("ringledger_outside_calls_total", labels) or 0.0


class TestFound:
    async def test_validated_escrow_create_signed_by_a_wallet(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        signed = sign_tx_json(escrow_create(promoter), promoter)
        tx_hash = node.register_signed(signed, close_time=CLOSE_TIME, ledger_index=90_001)
        before = calls("ok")
        found = await verifier.fetch(tx_hash=tx_hash.lower(), claimed=CLAIMED)
        assert found == LedgerTx(
            tx_hash=tx_hash,
            found=True,
            validated=True,
            engine_result="tesSUCCESS",
            transaction_type="EscrowCreate",
            account=promoter.classic_address,
            destination=signed["Destination"],
            amount_drops=25_000_000,
            finish_after=857_000_000,
            cancel_after=857_086_400,
            condition_hex=CONDITION.upper(),
            sequence=7,
            close_time=CLOSE_TIME,
            ledger_index=90_001,  # the watch searches the owner's history from here
        )
        assert calls("ok") == before + 1

    async def test_asks_for_the_hash_with_api_version_2(
        self, node: FakeRippled, verifier: RpcLedgerVerifier
    ) -> None:
        await verifier.fetch(tx_hash=UNKNOWN_HASH, claimed=CLAIMED)
        call = node.received[-1].json()
        assert call["method"] == "tx"
        params = call["params"][0]
        assert params["transaction"] == UNKNOWN_HASH
        assert params["api_version"] == 2
        assert params["binary"] is False

    async def test_ticket_sequence_when_sequence_is_zero(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        tx = escrow_create(promoter, Sequence=0, TicketSequence=42)
        tx_hash = node.register_signed(sign_tx_json(tx, promoter), close_time=CLOSE_TIME)
        assert (await verifier.fetch(tx_hash=tx_hash, claimed=CLAIMED)).sequence == 42

    async def test_tec_result_is_reported_as_is(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        signed = sign_tx_json(escrow_create(promoter), promoter)
        tx_hash = node.register_signed(signed, result="tecUNFUNDED_PAYMENT", close_time=CLOSE_TIME)
        found = await verifier.fetch(tx_hash=tx_hash, claimed=CLAIMED)
        assert (found.validated, found.engine_result) == (True, "tecUNFUNDED_PAYMENT")

    async def test_not_validated_in_the_open_ledger(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        signed = sign_tx_json(escrow_create(promoter), promoter)
        tx_hash = node.register_signed(signed, validated=False, result=None)
        found = await verifier.fetch(tx_hash=tx_hash, claimed=CLAIMED)
        assert (found.found, found.validated, found.engine_result) == (True, False, None)
        assert found.close_time is None

    async def test_not_validated_but_in_a_closed_ledger(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        signed = sign_tx_json(escrow_create(promoter), promoter)
        tx_hash = node.register_signed(signed, validated=False, ledger_index=90_002)
        found = await verifier.fetch(tx_hash=tx_hash, claimed=CLAIMED)
        assert (found.validated, found.engine_result) == (False, "tesSUCCESS")

    async def test_api_version_1_shape_reads_the_same(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        signed = sign_tx_json(escrow_create(promoter), promoter)
        tx_hash = node.register_signed(signed, close_time=CLOSE_TIME, ledger_index=90_003)
        as_v2 = await verifier.fetch(tx_hash=tx_hash, claimed=CLAIMED)
        node.register_signed(signed, close_time=CLOSE_TIME, ledger_index=90_003, shape="v1")
        as_v1 = await verifier.fetch(tx_hash=tx_hash, claimed=CLAIMED)
        assert as_v1 == as_v2

    async def test_escrow_finish_with_date_inside_tx_json(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        finish = {
            "TransactionType": "EscrowFinish",
            "Account": new_address(),  # anyone may finish; Owner is what counts
            "Owner": promoter.classic_address,
            "OfferSequence": 7,
            "Condition": CONDITION,
            "Fulfillment": FULFILLMENT,
            "Fee": "350",
            "Sequence": 3,
        }
        tx_hash = "CD" * 32
        node.register(tx_hash, finish, close_time=CLOSE_TIME + 90, date_in_tx_json=True)
        found = await verifier.fetch(tx_hash=tx_hash, claimed=CLAIMED)
        assert (found.owner, found.offer_sequence) == (promoter.classic_address, 7)
        assert found.fulfillment_hex == FULFILLMENT.upper()
        assert (found.amount_drops, found.close_time) == (None, CLOSE_TIME + 90)

    async def test_an_issued_currency_amount_is_no_drops(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        iou = {"currency": "USD", "issuer": new_address(), "value": "10"}
        payment = {"TransactionType": "Payment", "Account": promoter.classic_address, "Amount": iou}
        node.register("EF" * 32, payment, close_time=CLOSE_TIME)
        assert (await verifier.fetch(tx_hash="EF" * 32, claimed=CLAIMED)).amount_drops is None

    async def test_an_injected_client(self, node: FakeRippled, promoter: Wallet) -> None:
        tx_hash = node.register_signed(sign_tx_json(escrow_create(promoter), promoter))
        ledger = RpcLedgerVerifier(client=AsyncJsonRpcClient(node.url), timeout_seconds=5)
        assert (await ledger.fetch(tx_hash=tx_hash, claimed=CLAIMED)).sequence == 7


class TestNotFound:
    async def test_txn_not_found(self, verifier: RpcLedgerVerifier) -> None:
        before = calls("not_found")
        found = await verifier.fetch(tx_hash=UNKNOWN_HASH.lower(), claimed=CLAIMED)
        assert found == LedgerTx(tx_hash=UNKNOWN_HASH, found=False)
        assert calls("not_found") == before + 1


class TestUnavailable:
    @pytest.mark.parametrize(
        ("fault", "outcome"),
        [
            (RippledFault.GARBAGE, "invalid_answer"),
            (RippledFault.WRONG_SHAPE, "invalid_answer"),
            (RippledFault.NO_RESULT, "invalid_answer"),
            (RippledFault.DEEP_NESTING, "invalid_answer"),
            (RippledFault.HTTP_ERROR, "invalid_answer"),
            (RippledFault.NODE_BUSY, "node_error"),
            (RippledFault.SLOW, "timeout"),
            (RippledFault.CONNECTION_RESET, "unreachable"),
        ],
    )
    async def test_each_fault(
        self,
        node: FakeRippled,
        verifier: RpcLedgerVerifier,
        impatient: RpcLedgerVerifier,
        promoter: Wallet,
        fault: RippledFault,
        outcome: str,
    ) -> None:
        tx_hash = node.register_signed(sign_tx_json(escrow_create(promoter), promoter))
        node.fail_next(fault)
        before = calls(outcome)
        ledger = impatient if fault is RippledFault.SLOW else verifier
        with pytest.raises(LedgerUnavailable) as caught:
            await ledger.fetch(tx_hash=tx_hash, claimed=CLAIMED)
        assert (caught.value.status, caught.value.code) == (502, "ledger_unavailable")
        assert calls(outcome) == before + 1
        assert len(node.calls("tx")) == 1  # no retry behind the caller's back

    async def test_timeout_names_the_limit(
        self, node: FakeRippled, impatient: RpcLedgerVerifier
    ) -> None:
        node.fail_next(RippledFault.SLOW)
        with pytest.raises(LedgerUnavailable, match=r"within 0\.3 s"):
            await impatient.fetch(tx_hash=UNKNOWN_HASH, claimed=CLAIMED)

    async def test_connection_refused(self) -> None:
        ledger = RpcLedgerVerifier(url=refused_url(), timeout_seconds=5)
        # The first call to a node asks which network it follows: that is what fails here.
        before = calls("unreachable", "server_info")
        with pytest.raises(LedgerUnavailable, match="could not get an answer"):
            await ledger.fetch(tx_hash=UNKNOWN_HASH, claimed=CLAIMED)
        assert calls("unreachable", "server_info") == before + 1

    @pytest.mark.parametrize(
        "spoiled",
        [
            {"FinishAfter": "857000000"},
            {"Sequence": True},
            {"Amount": 25_000_000},
            {"Amount": "25 XRP"},
            {"Account": 12},
            {"TransactionType": None},
        ],
    )
    async def test_ill_typed_fields(
        self,
        node: FakeRippled,
        verifier: RpcLedgerVerifier,
        promoter: Wallet,
        spoiled: dict[str, Any],
    ) -> None:
        node.register(UNKNOWN_HASH, escrow_create(promoter, **spoiled), close_time=CLOSE_TIME)
        with pytest.raises(LedgerUnavailable, match="unusable"):
            await verifier.fetch(tx_hash=UNKNOWN_HASH, claimed=CLAIMED)

    async def test_validated_without_a_result(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        node.register(UNKNOWN_HASH, escrow_create(promoter), result=None, close_time=CLOSE_TIME)
        with pytest.raises(LedgerUnavailable, match="meta is missing"):
            await verifier.fetch(tx_hash=UNKNOWN_HASH, claimed=CLAIMED)


class TestArguments:
    @pytest.mark.parametrize("bad", ["", "xyz", "AB" * 31 + "A", "G" * 64, "AB" * 32 + "\n"])
    async def test_refuses_a_malformed_hash_before_asking(
        self, node: FakeRippled, verifier: RpcLedgerVerifier, bad: str
    ) -> None:
        with pytest.raises(ValueError, match="64 hexadecimal"):
            await verifier.fetch(tx_hash=bad, claimed=CLAIMED)
        assert node.received == []

    def test_needs_exactly_one_of_url_and_client(self) -> None:
        with pytest.raises(ValueError):
            RpcLedgerVerifier()
        with pytest.raises(ValueError):
            RpcLedgerVerifier(url="http://a/", client=AsyncJsonRpcClient("http://a/"))


class TestNetwork:
    """No answer of a node is trusted before it said it follows XRPL_NETWORK."""

    async def test_a_node_of_the_configured_network_is_asked_once(
        self, node: FakeRippled, verifier: RpcLedgerVerifier
    ) -> None:
        assert await verifier.check_network() == 1
        for _ in range(3):
            found = await verifier.fetch(tx_hash=UNKNOWN_HASH, claimed=CLAIMED)
            assert found.found is False
        assert len(node.calls("server_info")) == 1 and len(node.calls("tx")) == 3

    @pytest.mark.parametrize(
        ("configured", "reported"), [("MAINNET", 1), ("TESTNET", 0), ("TESTNET", 2), ("DEVNET", 1)]
    )
    async def test_a_node_of_another_network_is_never_trusted(
        self, node: FakeRippled, configured: str, reported: int
    ) -> None:
        node.network_id = reported
        ledger = RpcLedgerVerifier(url=node.url, timeout_seconds=5, network=configured)
        with pytest.raises(NetworkMismatch, match=f"follows network {reported}") as caught:
            await ledger.fetch(tx_hash=UNKNOWN_HASH, claimed=CLAIMED)
        assert (caught.value.status, caught.value.code) == (502, "ledger_unavailable")
        assert node.calls("tx") == []

    async def test_a_node_that_does_not_say_is_refused_in_production_only(
        self, node: FakeRippled
    ) -> None:
        node.network_id = None
        strict = RpcLedgerVerifier(url=node.url, timeout_seconds=5, require_network_id=True)
        with pytest.raises(NetworkMismatch, match="does not report"):
            await strict.check_network()
        tolerant = RpcLedgerVerifier(url=node.url, timeout_seconds=5)
        assert await tolerant.check_network() is None

    async def test_a_node_that_changes_network_is_caught_on_the_next_check(
        self, node: FakeRippled, verifier: RpcLedgerVerifier
    ) -> None:
        assert await verifier.check_network() == 1
        node.network_id = 0
        with pytest.raises(NetworkMismatch):
            await verifier.check_network()
        with pytest.raises(NetworkMismatch):
            await verifier.fetch(tx_hash=UNKNOWN_HASH, claimed=CLAIMED)
        assert node.calls("tx") == []
