"""XRPL_MODE=rpc: ask an XRPL node what it validated (`tx`,
docs/xrpl-and-xaman.md#reading-the-ledger-tx-and-server_info) and what the ledger's state is
(`ledger`, `ledger_entry`, `account_tx`, `account_info`, `account_lines`,
docs/xrpl-and-xaman.md#reading-the-ledgers-state).

The verifier only reports what the node says; classification and matching live in
`ringledger.ledger.evidence`. An unreachable node, a timeout or an answer that is not the
method's documented result raises `LedgerUnavailable` (502 ledger_unavailable, nothing stored).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from xrpl.asyncio.clients import AsyncJsonRpcClient
from xrpl.core.addresscodec import is_valid_classic_address

from ringledger.core import xrpl_models
from ringledger.core.config import Settings
from ringledger.ledger import state_answers
from ringledger.ledger.answers import (
    TX_HASH,
    BadAnswer,
    NodeRefused,
    is_error,
    ledger_tx,
    optional,
    refuse_errors,
)
from ringledger.ledger.interface import LedgerTx
from ringledger.ledger.state import (
    AccountInfo,
    AccountTxPage,
    EscrowEntry,
    TrustLine,
    ValidatedLedger,
)
from ringledger.ledger.transport import RpcTransport, count

T = TypeVar("T")

# rippled's "no such transaction" (error_code 29); every other error means we learned nothing.
_TX_NOT_FOUND = (("txnNotFound",), (29,))
# entryNotFound's number changed between server versions; its name did not.
_ENTRY_NOT_FOUND = (("entryNotFound",), ())
_ACCOUNT_NOT_FOUND = (("actNotFound",), (19,))
_UINT32_MAX = 2**32 - 1
# account_lines pages one owner directory; a node that keeps sending markers past this many
# pages for one issuer is not answering sensibly.
MAX_TRUST_LINE_PAGES = 100
LEDGER_VALIDATED = "validated"


class RpcLedgerVerifier:
    """`Ledger` on xrpl-py's JSON-RPC client: one request per call (trust lines: one per page),
    no retries.

    No answer of a node is trusted before the node said it follows XRPL_NETWORK (`server_info`
    → `network_id`): on Mainnet, an escrow "confirmed" from a Testnet node would be worthless.
    """

    mode = "rpc"

    def __init__(
        self,
        *,
        url: str | None = None,
        client: AsyncJsonRpcClient | None = None,
        timeout_seconds: float = 10.0,
        network: str = "TESTNET",
        require_network_id: bool = False,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("give exactly one of url or client")
        self._node = RpcTransport(
            client if client is not None else AsyncJsonRpcClient(str(url)),
            timeout_seconds=timeout_seconds,
            network=network,
            require_network_id=require_network_id,
        )
        self.network = self._node.network

    @classmethod
    def from_settings(cls, settings: Settings) -> RpcLedgerVerifier:
        """The verifier for XRPL_RPC_URL with XRPL_TIMEOUT_SECONDS per lookup."""
        return cls(
            url=settings.XRPL_RPC_URL,
            timeout_seconds=settings.XRPL_TIMEOUT_SECONDS,
            network=settings.XRPL_NETWORK,
            # Outside production a node too old to report its network is tolerated.
            require_network_id=settings.is_production,
        )

    async def check_network(self) -> int | None:
        """Ask the node which network it follows; NetworkMismatch unless it is XRPL_NETWORK."""
        return await self._node.check_network()

    async def fetch(self, *, tx_hash: str, claimed: LedgerTx) -> LedgerTx:
        """The node's view of `tx_hash`; `claimed` is ignored (the caller compares)."""
        if not TX_HASH.fullmatch(tx_hash):
            raise ValueError("tx_hash must be 64 hexadecimal characters")
        wanted = tx_hash.upper()
        found = await self._read(
            xrpl_models.Tx(transaction=wanted, binary=False),
            "tx",
            lambda result: _transaction(wanted, result),
            absent=_TX_NOT_FOUND,
        )
        return found if found is not None else LedgerTx(tx_hash=wanted, found=False)

    async def validated_ledger(self) -> ValidatedLedger:
        """The newest validated ledger's index and close time (`ledger`)."""
        request = xrpl_models.Ledger(ledger_index=LEDGER_VALIDATED)
        return await self._read_present(request, "ledger", state_answers.validated_ledger)

    async def escrow(self, owner: str, sequence: int) -> EscrowEntry | None:
        """The Escrow object (`ledger_entry`); None once it was finished or cancelled."""
        _require_address(owner, "owner")
        _require_uint32(sequence, "sequence")
        request = xrpl_models.LedgerEntry(
            escrow=xrpl_models.EscrowKey(owner=owner, seq=sequence), ledger_index=LEDGER_VALIDATED
        )
        return await self._read(
            request,
            "ledger_entry",
            lambda result: state_answers.escrow_entry(owner, sequence, result),
            absent=_ENTRY_NOT_FOUND,
        )

    async def account_transactions(
        self,
        account: str,
        *,
        from_ledger: int | None = None,
        marker: object | None = None,
        limit: int = 200,
    ) -> AccountTxPage:
        """One page of `account`'s validated transactions from `from_ledger` on, oldest first
        (`account_tx`); pass the page's marker back for the next one. Unknown account: empty."""
        _require_address(account, "account")
        if from_ledger is not None:
            _require_uint32(from_ledger, "from_ledger")
        if isinstance(limit, bool) or limit < 1:
            raise ValueError("limit must be a positive whole number")
        request = xrpl_models.AccountTx(
            account=account,
            ledger_index_min=from_ledger if from_ledger is not None else -1,
            ledger_index_max=-1,
            forward=True,
            limit=limit,
            marker=marker,
        )
        page = await self._read(
            request,
            "account_tx",
            lambda result: state_answers.account_tx_page(account, result),
            absent=_ACCOUNT_NOT_FOUND,
        )
        return page if page is not None else AccountTxPage(transactions=[], marker=None)

    async def account_info(self, account: str) -> AccountInfo | None:
        """Balance, flags and transfer rate (`account_info`); None for an unknown account."""
        _require_address(account, "account")
        request = xrpl_models.AccountInfo(account=account, ledger_index=LEDGER_VALIDATED)
        return await self._read(
            request,
            "account_info",
            lambda result: state_answers.account_info(account, result),
            absent=_ACCOUNT_NOT_FOUND,
        )

    async def trust_lines(self, account: str, *, peer: str) -> list[TrustLine]:
        """Every line between `account` and `peer` (`account_lines`, all pages followed, each
        from the ledger the first page came from, so that they add up to one snapshot)."""
        _require_address(account, "account")
        _require_address(peer, "peer")
        lines: list[TrustLine] = []
        ledger: int | str = LEDGER_VALIDATED
        markers: list[object] = []
        for _ in range(MAX_TRUST_LINE_PAGES):
            after = markers[-1] if markers else None
            page = await self._trust_line_page(account, peer, ledger, after)
            if page is None:
                return []
            lines.extend(page.lines)
            ledger = page.ledger_index or ledger
            if page.marker is None:
                return lines
            if page.marker in markers:
                raise self._node.failure(
                    "invalid_answer", "account_lines sent the same marker twice", "account_lines"
                )
            markers.append(page.marker)
        raise self._node.failure(
            "invalid_answer",
            f"account_lines needs more than {MAX_TRUST_LINE_PAGES} pages for one peer",
            "account_lines",
        )

    async def aclose(self) -> None:
        """Nothing pooled: xrpl-py opens one HTTP client per JSON-RPC request."""
        return None

    async def _trust_line_page(
        self, account: str, peer: str, ledger: int | str, marker: object | None
    ) -> state_answers.TrustLinePage | None:
        request = xrpl_models.AccountLines(
            account=account, peer=peer, ledger_index=ledger, marker=marker
        )
        return await self._read(
            request,
            "account_lines",
            lambda result: state_answers.trust_line_page(account, peer, result),
            absent=_ACCOUNT_NOT_FOUND,
        )

    async def _read_present(
        self, request: xrpl_models.Request, operation: str, parse: Callable[[dict[str, Any]], T]
    ) -> T:
        """A read that has no "not found" answer."""
        found = await self._read(request, operation, parse, absent=((), ()))
        assert found is not None  # only an expected not-found error yields None
        return found

    async def _read(
        self,
        request: xrpl_models.Request,
        operation: str,
        parse: Callable[[dict[str, Any]], T],
        *,
        absent: tuple[Collection[str], Collection[int]],
    ) -> T | None:
        """Network check, one request, then its result parsed; None for the `absent` error."""
        await self._node.ensure_network()
        result = await self._node.request(request, operation)
        try:
            if is_error(result, *absent):
                count("not_found", operation)
                return None
            refuse_errors(result)
            value = parse(result)
        except NodeRefused as error:
            detail = f"the XRPL node refused the lookup ({error})"
            raise self._node.failure("node_error", detail, operation) from None
        except BadAnswer as error:
            detail = f"the XRPL node's answer is unusable: {error}"
            raise self._node.failure("invalid_answer", detail, operation) from None
        count("ok", operation)
        return value


def _transaction(tx_hash: str, result: dict[str, Any]) -> LedgerTx:
    """A `tx` result in either API shape."""
    answered = optional(result, "hash", str)
    if answered is not None and answered.upper() != tx_hash:
        raise BadAnswer("it describes another transaction")
    # api_version 2 nests the transaction in tx_json; api_version 1 puts it at the top level.
    tx_json = result.get("tx_json", result)
    if not isinstance(tx_json, dict):
        raise BadAnswer("tx_json is not an object")
    return ledger_tx(tx_hash, result, tx_json)


def _require_address(value: str, name: str) -> None:
    """Refused before anything is sent: a malformed address would only earn a node error."""
    if not isinstance(value, str) or not is_valid_classic_address(value):
        raise ValueError(f"{name} must be a classic XRPL address")


def _require_uint32(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _UINT32_MAX:
        raise ValueError(f"{name} must be a whole number from 1 to {_UINT32_MAX}")
