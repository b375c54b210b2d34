"""The ledger-state reads of RpcLedgerVerifier against the local node stand-in, over real JSON-RPC
(docs/xrpl-and-xaman.md#reading-the-ledgers-state): `ledger`, `ledger_entry`, `account_tx`,
`account_info`, `account_lines`, in both API shapes, with their not-found answers, paging, faults
and the network check before the first read.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from xrpl.wallet import Wallet

from ringledger.bouts import conditions
from ringledger.core.config import Settings
from ringledger.ledger.interface import LedgerUnavailable, NetworkMismatch, TokenAmount
from ringledger.ledger.rpc import RpcLedgerVerifier
from ringledger.ledger.state import AccountTxPage, EscrowEntry, ValidatedLedger
from tests.support.fake_rippled import FakeRippled, RippledFault, sign_tx_json
from tests.support.xrpl import new_address

pytestmark = [pytest.mark.anyio, pytest.mark.no_db]

# PREIMAGE-SHA-256 of 32 zero bytes (docs/xrpl-and-xaman.md#crypto-conditions-preimage-sha-256), lower case to see it upper-cased.
CONDITION = conditions.condition_hex(bytes(32)).lower()
FINISH_AFTER, CANCEL_AFTER = 857_007_200, 857_604_800
Read = Callable[[RpcLedgerVerifier], Awaitable[object]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def node() -> Iterator[FakeRippled]:
    with FakeRippled(slow_seconds=5.0) as server:
        yield server


@pytest.fixture
async def reader(node: FakeRippled) -> AsyncIterator[RpcLedgerVerifier]:
    settings = Settings(XRPL_MODE="rpc", XRPL_RPC_URL=node.url, XRPL_TIMEOUT_SECONDS=5)
    ledger = RpcLedgerVerifier.from_settings(settings)
    yield ledger
    await ledger.aclose()


@pytest.fixture(scope="module")
def promoter() -> Wallet:
    return Wallet.create()


@pytest.fixture(scope="module")
def fighter() -> Wallet:
    return Wallet.create()


def calls(outcome: str, operation: str) -> float:
    labels = {"system": "xrpl", "operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("ringledger_outside_calls_total", labels) or 0.0


def signed(wallet: Wallet, kind: str, sequence: int, **fields: Any) -> dict[str, Any]:
    """A transaction of `wallet` as the wallet would sign it (Fee and Sequence filled in)."""
    tx = {"TransactionType": kind, "Account": wallet.classic_address, "Fee": "12", **fields}
    return sign_tx_json({"Sequence": sequence, **tx}, wallet)


def create(wallet: Wallet, sequence: int, destination: str, **fields: Any) -> dict[str, Any]:
    """A bonus-like EscrowCreate of 25 XRP."""
    terms = {"Amount": "25000000", "FinishAfter": FINISH_AFTER, "CancelAfter": CANCEL_AFTER}
    return signed(wallet, "EscrowCreate", sequence, Destination=destination, **{**terms, **fields})


def settle(wallet: Wallet, kind: str, sequence: int, owner: str, offer: int) -> dict[str, Any]:
    """An EscrowFinish or EscrowCancel of the escrow `owner` created with `offer`."""
    return signed(wallet, kind, sequence, Owner=owner, OfferSequence=offer)


class TestValidatedLedger:
    async def test_the_clock_of_the_newest_validated_ledger(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        node.ledger.set_clock(ledger_index=91_234_567, close_time=857_100_010)
        assert await reader.validated_ledger() == ValidatedLedger(91_234_567, 857_100_010)
        params = node.calls("ledger")[-1].json()["params"][0]
        assert (params["ledger_index"], params["api_version"]) == ("validated", 2)

    async def test_a_validated_transaction_closes_a_ledger(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        before = await reader.validated_ledger()
        node.validate(create(promoter, 7, new_address()), close_time=before.close_time + 30)
        after = await reader.validated_ledger()
        assert (after.index, after.close_time) == (before.index + 1, before.close_time + 30)

    async def test_api_version_1_writes_the_index_as_text(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        as_v2 = await reader.validated_ledger()
        node.shape = "v1"
        node.rewrite_next("ledger", lambda result: result.pop("ledger_index"))
        assert await reader.validated_ledger() == as_v2


class TestEscrow:
    async def test_a_validated_create_makes_the_escrow(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        fighter = new_address()
        node.validate(create(promoter, 7, fighter, Condition=CONDITION))
        before = calls("ok", "ledger_entry")
        assert await reader.escrow(promoter.classic_address, 7) == EscrowEntry(
            owner=promoter.classic_address,
            sequence=7,
            destination=fighter,
            amount="25000000",
            finish_after=FINISH_AFTER,
            cancel_after=CANCEL_AFTER,
            condition=CONDITION.upper(),
            transfer_rate=None,
        )
        assert calls("ok", "ledger_entry") == before + 1
        params = node.calls("ledger_entry")[-1].json()["params"][0]
        assert params["escrow"] == {"owner": promoter.classic_address, "seq": 7}
        assert params["ledger_index"] == "validated"

    async def test_a_ticket_keys_the_escrow(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        node.validate(create(promoter, 0, new_address(), TicketSequence=42))
        assert (await reader.escrow(promoter.classic_address, 42)) is not None

    @pytest.mark.parametrize("kind", ["EscrowFinish", "EscrowCancel"])
    async def test_gone_once_finished_or_cancelled_by_anyone(
        self,
        node: FakeRippled,
        reader: RpcLedgerVerifier,
        promoter: Wallet,
        fighter: Wallet,
        kind: str,
    ) -> None:
        node.validate(create(promoter, 7, fighter.classic_address))
        node.validate(settle(fighter, kind, 3, promoter.classic_address, 7))
        before = calls("not_found", "ledger_entry")
        assert await reader.escrow(promoter.classic_address, 7) is None
        assert calls("not_found", "ledger_entry") == before + 1

    async def test_a_failed_finish_leaves_it(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet, fighter: Wallet
    ) -> None:
        node.validate(create(promoter, 7, fighter.classic_address))
        finish = settle(fighter, "EscrowFinish", 3, promoter.classic_address, 7)
        node.validate(finish, result="tecNO_PERMISSION")
        assert (await reader.escrow(promoter.classic_address, 7)) is not None

    async def test_an_answer_about_another_escrow_is_refused(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        node.validate(create(promoter, 7, new_address()))
        node.rewrite_next("ledger_entry", lambda result: result["node"].update(Sequence=8))
        with pytest.raises(LedgerUnavailable, match="another escrow"):
            await reader.escrow(promoter.classic_address, 7)

    @pytest.mark.parametrize(("owner", "sequence"), [("rBAD", 7), (None, 0), (None, 2**32)])
    async def test_refuses_bad_arguments_before_asking(
        self, node: FakeRippled, reader: RpcLedgerVerifier, owner: str | None, sequence: int
    ) -> None:
        with pytest.raises(ValueError):
            await reader.escrow(owner or new_address(), sequence)
        assert node.received == []


class TestAccountTransactions:
    async def test_the_owner_sees_a_finish_someone_else_submitted(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet, fighter: Wallet
    ) -> None:
        owner = promoter.classic_address
        created = node.validate(create(promoter, 7, fighter.classic_address))
        finished = node.validate(settle(fighter, "EscrowFinish", 3, owner, 7), close_time=None)
        page = await reader.account_transactions(owner)
        assert [tx.tx_hash for tx in page.transactions] == [created, finished]
        assert page.marker is None
        finish = page.transactions[1]
        assert (finish.transaction_type, finish.account) == (
            "EscrowFinish",
            fighter.classic_address,
        )
        assert (finish.owner, finish.offer_sequence) == (owner, 7)
        assert (finish.validated, finish.engine_result) == (True, "tesSUCCESS")
        newest = await reader.validated_ledger()
        assert (finish.ledger_index, finish.close_time) == (newest.index, newest.close_time)

    async def test_asks_forward_from_the_given_ledger(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        await reader.account_transactions(new_address(), limit=5)
        await reader.account_transactions(
            new_address(), from_ledger=94_000_000, marker={"ledger": 94_000_001, "seq": 0}
        )
        first, second = (call.json()["params"][0] for call in node.calls("account_tx"))
        assert (first["ledger_index_min"], first["ledger_index_max"]) == (-1, -1)
        assert (first["forward"], first["limit"], first["api_version"]) == (True, 5, 2)
        assert (second["ledger_index_min"], second["marker"]) == (
            94_000_000,
            {"ledger": 94_000_001, "seq": 0},
        )

    async def test_only_from_the_given_ledger_on(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        node.validate(create(promoter, 7, new_address()))
        later = node.validate(create(promoter, 8, new_address()))
        newest = await reader.validated_ledger()
        page = await reader.account_transactions(promoter.classic_address, from_ledger=newest.index)
        assert [tx.tx_hash for tx in page.transactions] == [later]

    async def test_a_node_without_the_history_refuses(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        node.ledger.oldest_ledger = 94_000_000
        with pytest.raises(LedgerUnavailable, match="lgrIdxMalformed"):
            await reader.account_transactions(new_address(), from_ledger=93_999_999)

    async def test_the_destination_sees_the_create(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        fighter = new_address()
        created = node.validate(create(promoter, 7, fighter))
        page = await reader.account_transactions(fighter)
        assert [tx.tx_hash for tx in page.transactions] == [created]

    async def test_pages_follow_the_marker(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        hashes = [node.validate(create(promoter, 7, new_address()))]
        # Two more in the same ledger, so that a marker points into the middle of one.
        for sequence in (8, 9):
            hashes.append(
                node.validate(create(promoter, sequence, new_address()), new_ledger=False)
            )
        hashes += [
            node.validate(create(promoter, sequence, new_address())) for sequence in (10, 11)
        ]
        seen, markers, marker = [], [], None
        while True:
            page = await reader.account_transactions(
                promoter.classic_address, marker=marker, limit=2
            )
            seen += [tx.tx_hash for tx in page.transactions]
            if page.marker is None:
                break
            markers.append(marker := page.marker)
        assert seen == hashes
        assert len(markers) == 2 and markers[0] == {
            "ledger": node.ledger.ledger_index - 2,
            "seq": 2,
        }

    async def test_api_version_1_reads_the_same(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        node.validate(create(promoter, 7, new_address(), Condition=CONDITION))
        as_v2 = await reader.account_transactions(promoter.classic_address)
        node.shape = "v1"
        shapes: list[list[str]] = []
        node.rewrite_next(
            "account_tx", lambda result: shapes.append(list(result["transactions"][0]))
        )
        as_v1 = await reader.account_transactions(promoter.classic_address)
        assert "tx" in shapes[0] and "tx_json" not in shapes[0]
        assert as_v1 == as_v2 and len(as_v1.transactions) == 1
        assert as_v1.transactions[0].condition_hex == CONDITION.upper()

    async def test_an_unknown_account_is_an_empty_page(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        nobody = new_address()
        assert await reader.account_transactions(nobody) == AccountTxPage([], None)
        # Some servers say actNotFound instead of an empty list.
        node.fail_next(RippledFault.NOT_FOUND, method="account_tx")
        before = calls("not_found", "account_tx")
        assert await reader.account_transactions(nobody) == AccountTxPage([], None)
        assert calls("not_found", "account_tx") == before + 1

    async def test_a_token_amount_is_carried_and_is_no_drops(
        self, node: FakeRippled, reader: RpcLedgerVerifier, promoter: Wallet
    ) -> None:
        issuer, fighter = new_address(), new_address()
        node.ledger.add_account(issuer, allow_trust_line_locking=True)
        node.ledger.add_trust_line(promoter.classic_address, issuer, "USD", balance="100")
        amount = {"currency": "USD", "issuer": issuer, "value": "12.5"}
        node.validate(create(promoter, 7, fighter, Amount=amount))
        (tx,) = (await reader.account_transactions(fighter)).transactions
        assert (tx.amount_drops, tx.amount_token) == (None, TokenAmount("USD", issuer, "12.5"))

    @pytest.mark.parametrize(
        "spoil",
        [
            lambda result: result.update(transactions={"not": "a list"}),
            lambda result: result["transactions"][0].pop("hash"),
            lambda result: result["transactions"][0]["tx_json"].update(OfferSequence="7"),
            lambda result: result["transactions"][0]["tx_json"].update(Amount={"value": "1"}),
            lambda result: result.update(account=new_address()),
        ],
    )
    async def test_a_spoiled_page_is_unusable(
        self,
        node: FakeRippled,
        reader: RpcLedgerVerifier,
        promoter: Wallet,
        spoil: Callable[[dict[str, Any]], None],
    ) -> None:
        node.validate(create(promoter, 7, new_address()))
        node.rewrite_next("account_tx", spoil)
        with pytest.raises(LedgerUnavailable, match="unusable"):
            await reader.account_transactions(promoter.classic_address)


@pytest.fixture(scope="module")
def history() -> Iterator[tuple[FakeRippled, str, list[str]]]:
    """A node whose history holds 13 transactions of one owner among others' (some ledgers hold
    several), for the paging property."""
    owner, other = Wallet.create(), Wallet.create()
    with FakeRippled() as server:
        mine: list[str] = []
        for sequence in range(1, 14):
            alone = sequence % 4 != 2
            tx = create(owner, sequence, new_address())
            mine.append(server.validate(tx, new_ledger=alone))
            server.validate(create(other, sequence, new_address()), new_ledger=sequence % 3 == 0)
        yield server, owner.classic_address, mine


class TestPagingProperty:
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        limit=st.integers(min_value=1, max_value=15), skip=st.integers(min_value=0, max_value=12)
    )
    def test_every_transaction_exactly_once(
        self, history: tuple[FakeRippled, str, list[str]], limit: int, skip: int
    ) -> None:
        node, owner, mine = history
        # The owner's transactions are the only ones that name it: the others' go elsewhere.
        start = node.records[mine[skip]].ledger_index
        assert start is not None
        wanted = [tx_hash for tx_hash in mine if (node.records[tx_hash].ledger_index or 0) >= start]
        seen = asyncio.run(_all_pages(node.url, owner, start, limit))
        assert seen == wanted and len(set(seen)) == len(seen)


async def _all_pages(url: str, account: str, from_ledger: int, limit: int) -> list[str]:
    reader = RpcLedgerVerifier(url=url, timeout_seconds=5)
    seen: list[str] = []
    marker: object | None = None
    for _ in range(100):
        page = await reader.account_transactions(
            account, from_ledger=from_ledger, marker=marker, limit=limit
        )
        seen += [tx.tx_hash for tx in page.transactions]
        if (marker := page.marker) is None:
            return seen
    raise AssertionError("the pages never ended")


READS: dict[str, Read] = {
    "ledger": lambda reader: reader.validated_ledger(),
    "ledger_entry": lambda reader: reader.escrow(new_address(), 7),
    "account_tx": lambda reader: reader.account_transactions(new_address()),
    "account_info": lambda reader: reader.account_info(new_address()),
    "account_lines": lambda reader: reader.trust_lines(new_address(), peer=new_address()),
}
FAULTS = [
    (RippledFault.GARBAGE, "invalid_answer"),
    (RippledFault.WRONG_SHAPE, "invalid_answer"),
    (RippledFault.NO_RESULT, "invalid_answer"),
    (RippledFault.DEEP_NESTING, "invalid_answer"),
    (RippledFault.HTTP_ERROR, "invalid_answer"),
    (RippledFault.UNVALIDATED, "invalid_answer"),
    (RippledFault.NODE_BUSY, "node_error"),
    (RippledFault.SLOW, "timeout"),
    (RippledFault.CONNECTION_RESET, "unreachable"),
]


class TestUnavailable:
    @pytest.mark.parametrize("method", list(READS))
    @pytest.mark.parametrize(("fault", "outcome"), FAULTS)
    async def test_each_fault_of_each_read(
        self, node: FakeRippled, method: str, fault: RippledFault, outcome: str
    ) -> None:
        # Every read of an unknown account or escrow answers without a fault: a known answer.
        timeout = 0.3 if fault is RippledFault.SLOW else 5.0
        reader = RpcLedgerVerifier(url=node.url, timeout_seconds=timeout)
        await reader.check_network()
        node.fail_next(fault, method=method)
        before = calls(outcome, method)
        with pytest.raises(LedgerUnavailable) as caught:
            await _known_read(node, reader, method)
        assert (caught.value.status, caught.value.code) == (502, "ledger_unavailable")
        assert calls(outcome, method) == before + 1
        assert len(node.calls(method)) == 1  # no retry behind the caller's back

    @pytest.mark.parametrize("method", ["ledger_entry", "account_info", "account_lines"])
    async def test_not_found_is_an_answer_but_other_errors_are_not(
        self, node: FakeRippled, reader: RpcLedgerVerifier, method: str
    ) -> None:
        node.fail_next(RippledFault.NOT_FOUND, RippledFault.NODE_BUSY, method=method)
        assert await READS[method](reader) in (None, [])
        with pytest.raises(LedgerUnavailable, match="refused the lookup"):
            await READS[method](reader)


async def _known_read(node: FakeRippled, reader: RpcLedgerVerifier, method: str) -> object:
    """A read whose normal answer is a success, so that only the fault can fail it."""
    account = new_address()
    node.ledger.add_account(account)
    if method == "account_info":
        return await reader.account_info(account)
    if method == "account_lines":
        return await reader.trust_lines(account, peer=new_address())
    if method == "ledger_entry":
        escrow = {"TransactionType": "EscrowCreate", "Account": account, "Sequence": 5}
        escrow.update(Destination=new_address(), Amount="10", FinishAfter=FINISH_AFTER)
        node.validate(escrow, tx_hash=os.urandom(32).hex())
        return await reader.escrow(account, 5)
    return await READS[method](reader)


class TestNetworkFirst:
    @pytest.mark.parametrize("method", list(READS))
    async def test_no_read_before_the_node_said_its_network(
        self, node: FakeRippled, method: str
    ) -> None:
        node.network_id = 0  # Mainnet, while the reader is configured for Testnet
        reader = RpcLedgerVerifier(url=node.url, timeout_seconds=5)
        with pytest.raises(NetworkMismatch):
            await READS[method](reader)
        assert [call.json()["method"] for call in node.received] == ["server_info"]

    async def test_asked_once_for_all_reads(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        for read in READS.values():
            await read(reader)
        assert len(node.calls("server_info")) == 1
