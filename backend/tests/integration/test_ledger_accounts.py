"""Accounts and trust lines read through RpcLedgerVerifier from the local node stand-in, and a
token escrow's create → finish/cancel moving trust-line balances the way the ledger does
(docs/xrpl-and-xaman.md#reading-the-ledgers-state, docs/xrpl-and-xaman.md#token-escrows-xls-85).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client import REGISTRY
from xrpl.wallet import Wallet

from ringledger.ledger.interface import LedgerUnavailable, TokenAmount
from ringledger.ledger.rpc import MAX_TRUST_LINE_PAGES, RpcLedgerVerifier
from ringledger.ledger.state import AccountInfo, TrustLine
from tests.support.fake_rippled import FakeRippled, RippledFault, sign_tx_json
from tests.support.ledger_model import LedgerRefusal, ledger_text
from tests.support.xrpl import new_address

pytestmark = [pytest.mark.anyio, pytest.mark.no_db]

RATE_0_2_PERCENT = 1_002_000_000
HEX_CODE = "524c555344000000000000000000000000000000"  # "RLUSD", in the 40-hex-digit form


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def node() -> Iterator[FakeRippled]:
    with FakeRippled() as server:
        yield server


@pytest.fixture
async def reader(node: FakeRippled) -> AsyncIterator[RpcLedgerVerifier]:
    ledger = RpcLedgerVerifier(url=node.url, timeout_seconds=5)
    yield ledger
    await ledger.aclose()


def calls(outcome: str, operation: str) -> float:
    labels = {"system": "xrpl", "operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("ringledger_outside_calls_total", labels) or 0.0


class TestAccountInfo:
    async def test_balance_rate_and_named_flags(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        issuer = new_address()
        node.ledger.add_account(
            issuer,
            balance_drops=52_000_000,
            require_auth=True,
            allow_trust_line_locking=True,
            transfer_rate=RATE_0_2_PERCENT,
        )
        assert await reader.account_info(issuer) == AccountInfo(
            account=issuer,
            balance_drops=52_000_000,
            flags=0x40040000,
            transfer_rate=RATE_0_2_PERCENT,
            require_authorization=True,
            global_freeze=False,
            allow_trust_line_locking=True,
        )
        params = node.calls("account_info")[-1].json()["params"][0]
        assert (params["account"], params["ledger_index"]) == (issuer, "validated")

    @pytest.mark.parametrize(
        "wanted", ["require_auth", "global_freeze", "allow_trust_line_locking"]
    )
    async def test_flags_decoded_from_bits_when_the_server_names_none(
        self, node: FakeRippled, reader: RpcLedgerVerifier, wanted: str
    ) -> None:
        node.name_account_flags = False
        account = new_address()
        node.ledger.add_account(account, **{wanted: True})
        info = await reader.account_info(account)
        assert info is not None
        settings = (info.require_authorization, info.global_freeze, info.allow_trust_line_locking)
        names = ("require_auth", "global_freeze", "allow_trust_line_locking")
        assert settings == tuple(name == wanted for name in names)
        assert info.transfer_rate is None

    async def test_a_name_the_server_leaves_out_falls_back_to_the_bit(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        # A server without the TokenEscrow amendment does not name allowTrustLineLocking.
        account = new_address()
        node.ledger.add_account(account, allow_trust_line_locking=True)
        node.rewrite_next("account_info", lambda r: r["account_flags"].pop("allowTrustLineLocking"))
        info = await reader.account_info(account)
        assert info is not None and info.allow_trust_line_locking

    async def test_the_servers_word_wins_over_the_bits(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        account = new_address()
        node.ledger.add_account(account, flags=0x00400000)
        node.rewrite_next("account_info", lambda r: r["account_flags"].update(globalFreeze=False))
        info = await reader.account_info(account)
        assert info is not None and not info.global_freeze

    async def test_an_unknown_account_is_none(self, reader: RpcLedgerVerifier) -> None:
        before = calls("not_found", "account_info")
        assert await reader.account_info(new_address()) is None
        assert calls("not_found", "account_info") == before + 1

    @pytest.mark.parametrize(
        "spoil",
        [
            lambda r: r["account_data"].update(Balance=5),
            lambda r: r["account_data"].update(Balance="5 XRP"),
            lambda r: r["account_data"].update(Account=new_address()),
            lambda r: r["account_data"].update(TransferRate="1002000000"),
            lambda r: r.update(account_flags=[]),
            lambda r: r["account_flags"].update(requireAuthorization="yes"),
        ],
    )
    async def test_a_spoiled_answer_is_unusable(
        self, node: FakeRippled, reader: RpcLedgerVerifier, spoil: Any
    ) -> None:
        account = new_address()
        node.ledger.add_account(account)
        node.rewrite_next("account_info", spoil)
        with pytest.raises(LedgerUnavailable, match="unusable"):
            await reader.account_info(account)


class TestTrustLines:
    async def test_the_holders_side_and_the_issuers_side(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        holder, issuer = new_address(), new_address()
        node.ledger.add_account(holder)
        node.ledger.add_account(issuer)
        node.ledger.add_trust_line(
            holder, issuer, "USD", balance="12.5", limit="1000", authorized=True, frozen=True
        )
        assert await reader.trust_lines(holder, peer=issuer) == [
            TrustLine(issuer, "USD", "12.5", "1000", "0", False, True, False, True, False, False)
        ]
        assert await reader.trust_lines(issuer, peer=holder) == [
            TrustLine(holder, "USD", "-12.5", "0", "1000", True, False, True, False, False, False)
        ]
        params = node.calls("account_lines")[0].json()["params"][0]
        assert (params["peer"], params["ledger_index"]) == (issuer, "validated")

    async def test_deep_freezes_from_both_sides(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        holder, issuer = new_address(), new_address()
        node.ledger.add_account(holder)
        node.ledger.add_trust_line(holder, issuer, "USD", deep_frozen=True, holder_deep_frozen=True)
        (line,) = await reader.trust_lines(holder, peer=issuer)
        assert (line.deep_freeze, line.deep_freeze_peer) == (True, True)

    async def test_every_page_is_followed(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        holder, issuer = new_address(), new_address()
        node.ledger.add_account(holder)
        for _ in range(4):  # lines to other issuers: pages that hold none of the peer's
            node.ledger.add_trust_line(holder, new_address(), "USD")
        node.ledger.add_trust_line(holder, issuer, "USD", balance="1")
        node.ledger.add_trust_line(holder, issuer, HEX_CODE.lower(), balance="1e20")
        node.lines_page_size = 1
        first = node.ledger.ledger_index
        lines = await reader.trust_lines(holder, peer=issuer)
        assert sorted((line.currency, line.balance) for line in lines) == [
            (HEX_CODE.upper(), "1000000000000000e5"),  # written in exponent form, kept as text
            ("USD", "1"),
        ]
        asked = [call.json()["params"][0] for call in node.calls("account_lines")]
        # Later pages come from the ledger of the first: the pages make one snapshot.
        assert [params.get("ledger_index") for params in asked] == ["validated"] + [first] * 5
        assert [params.get("marker") for params in asked] == [None] + [
            f"page:{n}" for n in range(1, 6)
        ]

    async def test_an_unknown_account_has_none(self, reader: RpcLedgerVerifier) -> None:
        assert await reader.trust_lines(new_address(), peer=new_address()) == []

    async def test_a_marker_sent_twice_is_unusable(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        holder = new_address()
        node.ledger.add_account(holder)
        for _ in range(3):
            node.ledger.add_trust_line(holder, new_address(), "USD")
        node.lines_page_size = 1
        node.rewrite_next("account_lines", lambda r: r.update(marker="page:1"))
        node.rewrite_next("account_lines", lambda r: r.update(marker="page:1"))
        with pytest.raises(LedgerUnavailable, match="same marker twice"):
            await reader.trust_lines(holder, peer=new_address())

    async def test_pages_without_end_are_unusable(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        holder = new_address()
        node.ledger.add_account(holder)
        for page in range(MAX_TRUST_LINE_PAGES):
            node.rewrite_next("account_lines", lambda r, page=page: r.update(marker=f"page:{page}"))
        with pytest.raises(LedgerUnavailable, match="more than"):
            await reader.trust_lines(holder, peer=new_address())
        assert len(node.calls("account_lines")) == MAX_TRUST_LINE_PAGES

    @pytest.mark.parametrize(
        "spoil",
        [
            lambda r: r["lines"][0].update(account=new_address()),
            lambda r: r["lines"][0].update(balance=12.5),
            lambda r: r["lines"][0].update(balance="twelve"),
            lambda r: r["lines"][0].update(currency="XRP"),
            lambda r: r["lines"][0].update(currency="USDT"),
            lambda r: r["lines"][0].update(freeze_peer="true"),
            lambda r: r.update(lines=None),
        ],
    )
    async def test_a_spoiled_line_is_unusable(
        self, node: FakeRippled, reader: RpcLedgerVerifier, spoil: Any
    ) -> None:
        holder, issuer = new_address(), new_address()
        node.ledger.add_account(holder)
        node.ledger.add_trust_line(holder, issuer, "USD")
        node.rewrite_next("account_lines", spoil)
        with pytest.raises(LedgerUnavailable, match="unusable"):
            await reader.trust_lines(holder, peer=issuer)

    async def test_act_not_found_is_no_lines(
        self, node: FakeRippled, reader: RpcLedgerVerifier
    ) -> None:
        node.fail_next(RippledFault.NOT_FOUND, method="account_lines")
        assert await reader.trust_lines(new_address(), peer=new_address()) == []


@pytest.fixture
def token(node: FakeRippled) -> Iterator[tuple[Wallet, Wallet, str]]:
    """A promoter holding 1000 USD of an issuer that allows locking and charges 0.2 %, and a
    fighter with an authorized line (both wallets sign their own transactions)."""
    promoter, fighter, issuer = Wallet.create(), Wallet.create(), new_address()
    node.ledger.add_account(issuer, allow_trust_line_locking=True, transfer_rate=RATE_0_2_PERCENT)
    for holder in (promoter, fighter):
        node.ledger.add_account(holder.classic_address)
    node.ledger.add_trust_line(promoter.classic_address, issuer, "USD", balance="1000", limit="1e6")
    node.ledger.add_trust_line(fighter.classic_address, issuer, "USD", limit="1e6")
    yield promoter, fighter, issuer


def escrow_tx(wallet: Wallet, kind: str, sequence: int, **fields: Any) -> dict[str, Any]:
    tx = {"TransactionType": kind, "Account": wallet.classic_address, "Fee": "12"}
    return sign_tx_json({**tx, "Sequence": sequence, **fields}, wallet)


def token_create(
    wallet: Wallet, sequence: int, destination: str, amount: dict[str, str]
) -> dict[str, Any]:
    """A token EscrowCreate with both times, as RingLedger prepares them."""
    times = {"FinishAfter": 857_007_200, "CancelAfter": 857_604_800}
    return escrow_tx(
        wallet, "EscrowCreate", sequence, Destination=destination, Amount=amount, **times
    )


def settle(wallet: Wallet, kind: str, sequence: int, owner: Wallet, offer: int) -> dict[str, Any]:
    return escrow_tx(wallet, kind, sequence, Owner=owner.classic_address, OfferSequence=offer)


def usd(issuer: str, value: str) -> dict[str, str]:
    return {"currency": "USD", "issuer": issuer, "value": value}


async def balance(reader: RpcLedgerVerifier, holder: Wallet, issuer: str) -> str:
    (line,) = await reader.trust_lines(holder.classic_address, peer=issuer)
    return line.balance


class TestTokenEscrow:
    async def test_create_then_finish_at_the_lower_rate(
        self, node: FakeRippled, reader: RpcLedgerVerifier, token: tuple[Wallet, Wallet, str]
    ) -> None:
        promoter, fighter, issuer = token
        node.validate(token_create(promoter, 7, fighter.classic_address, usd(issuer, "100")))
        escrow = await reader.escrow(promoter.classic_address, 7)
        assert escrow is not None
        assert (escrow.amount, escrow.transfer_rate) == (
            TokenAmount("USD", issuer, "100"),
            RATE_0_2_PERCENT,
        )
        assert await balance(reader, promoter, issuer) == "900"
        # The issuer lowers its fee to 0.1 %: the finish pays the lower of the two rates.
        node.ledger.accounts[issuer].transfer_rate = 1_001_000_000
        node.validate(settle(promoter, "EscrowFinish", 8, promoter, 7))
        # 100 / 1.001 = 99.900099900099900…, rounded down to 15 significant digits.
        assert await balance(reader, fighter, issuer) == "99.9000999000999"
        assert await reader.escrow(promoter.classic_address, 7) is None

    async def test_a_raised_rate_does_not_apply(
        self, node: FakeRippled, reader: RpcLedgerVerifier, token: tuple[Wallet, Wallet, str]
    ) -> None:
        promoter, fighter, issuer = token
        node.validate(token_create(promoter, 7, fighter.classic_address, usd(issuer, "50")))
        node.ledger.accounts[issuer].transfer_rate = 1_500_000_000
        node.validate(settle(fighter, "EscrowFinish", 1, promoter, 7))
        assert await balance(reader, fighter, issuer) == "49.9001996007984"  # 50 / 1.002

    async def test_the_net_is_rounded_down(
        self, node: FakeRippled, reader: RpcLedgerVerifier, token: tuple[Wallet, Wallet, str]
    ) -> None:
        promoter, fighter, issuer = token
        node.ledger.accounts[issuer].transfer_rate = 1_003_000_000
        node.validate(token_create(promoter, 7, fighter.classic_address, usd(issuer, "10")))
        node.validate(settle(fighter, "EscrowFinish", 1, promoter, 7))
        # 10 / 1.003 = 9.970089730807577…: the 15th digit stays 7 (to nearest it would be 8).
        assert await balance(reader, fighter, issuer) == "9.97008973080757"

    async def test_a_cancel_returns_all_of_it(
        self, node: FakeRippled, reader: RpcLedgerVerifier, token: tuple[Wallet, Wallet, str]
    ) -> None:
        promoter, fighter, issuer = token
        node.validate(token_create(promoter, 7, fighter.classic_address, usd(issuer, "250.75")))
        node.validate(settle(fighter, "EscrowCancel", 1, promoter, 7))
        assert await balance(reader, promoter, issuer) == "1000"
        assert await balance(reader, fighter, issuer) == "0"

    async def test_the_stand_in_refuses_what_the_ledger_would(
        self, node: FakeRippled, token: tuple[Wallet, Wallet, str]
    ) -> None:
        promoter, fighter, issuer = token
        stranger = new_address()
        node.validate(token_create(promoter, 7, stranger, usd(issuer, "5")))
        with pytest.raises(LedgerRefusal) as refused:
            # Someone else's finish cannot create the stranger's missing line.
            node.validate(settle(fighter, "EscrowFinish", 1, promoter, 7))
        assert refused.value.code == "tecNO_LINE"
        node.ledger.lines[(promoter.classic_address, issuer, "USD")].frozen = True
        with pytest.raises(LedgerRefusal, match="tecFROZEN"):
            node.validate(token_create(promoter, 8, stranger, usd(issuer, "5")))
        with pytest.raises(LedgerRefusal, match="own token"):
            node.validate(token_create(fighter, 2, stranger, usd(fighter.classic_address, "5")))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("100", "100"),
        ("-12.5", "-12.5"),
        ("0.000001", "0.000001"),
        ("1e20", "1000000000000000e5"),
        ("1.5e-20", "1500000000000000e-35"),
        ("0", "0"),
    ],
)
def test_the_stand_in_writes_values_as_rippled_does(value: str, text: str) -> None:
    assert ledger_text(Decimal(value)) == text
