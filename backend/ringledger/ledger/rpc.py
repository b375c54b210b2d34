"""XRPL_MODE=rpc: ask an XRPL node what it validated, through JSON-RPC `tx`
(docs/xrpl-and-xaman.md#reading-the-ledger-tx-and-server_info).

The verifier only reports what the node says; classification and matching live in
`ringledger.ledger.evidence`. An unreachable node, a timeout or an answer that is not a `tx`
result raises `LedgerUnavailable` (502 ledger_unavailable, nothing stored).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, TypeVar

import httpx
from xrpl import XRPLException
from xrpl.asyncio.clients import AsyncJsonRpcClient

from ringledger.core.config import XRPL_NETWORK_IDS, Settings
from ringledger.core.metrics import OUTSIDE_CALLS
from ringledger.core.xrpl_models import Request, ServerInfo, Tx
from ringledger.ledger.interface import LedgerTx, LedgerUnavailable, NetworkMismatch

log = logging.getLogger(__name__)

_TX_HASH = re.compile(r"[0-9A-Fa-f]{64}")

_DROPS = re.compile(r"[0-9]{1,20}")
_PRINTABLE = re.compile(r"[^A-Za-z0-9_]")
# rippled's "no such transaction" (error_code 29); every other error means we learned nothing.
_NOT_FOUND = "txnNotFound"
_NOT_FOUND_CODE = 29
# xrpl-py lets each failure surface as its own exception type: the network's (refused, reset,
# HTTP protocol errors) and the answer's (not JSON, no `result`, a `result` that is no object,
# JSON nested deeper than the standard library's parser can recurse).
_TRANSPORT_FAILURES = (OSError, httpx.HTTPError)
_ANSWER_FAILURES = (XRPLException, KeyError, TypeError, ValueError, RecursionError)
T = TypeVar("T")


class _BadAnswer(Exception):
    """The node answered, but not with a `tx` result we can read."""


class _NodeRefused(_BadAnswer):
    """The node answered with a JSON-RPC error other than txnNotFound (busy, not synced, …)."""


class RpcLedgerVerifier:
    """`LedgerVerifier` on xrpl-py's JSON-RPC client; one `tx` call per fetch, no retries.

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
        self._client = client if client is not None else AsyncJsonRpcClient(str(url))
        self._timeout = timeout_seconds
        self.network = network.strip().upper()
        self._require_network_id = require_network_id
        self._verified = False

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
        """Ask the node which network it follows; NetworkMismatch unless it is XRPL_NETWORK.

        Returns the node's `network_id` (None when it does not report one and that is
        tolerated). A node that cannot be asked raises LedgerUnavailable.
        """
        expected = XRPL_NETWORK_IDS.get(self.network)
        answer = (await self._request(ServerInfo(), "server_info")).get("info")
        reported = answer.get("network_id") if isinstance(answer, dict) else None
        if isinstance(reported, bool) or (reported is not None and not isinstance(reported, int)):
            raise self._failure("invalid_answer", "server_info.network_id is not a number")
        if reported is None and (self._require_network_id or expected is None):
            self._verified = False
            raise self._mismatch(
                f"the XRPL node does not report which network it follows; {self.network} is "
                "required"
            )
        if reported is not None and reported != expected:
            self._verified = False
            raise self._mismatch(
                f"the XRPL node follows network {reported}, this service is configured for "
                f"{self.network} ({expected})"
            )
        self._verified = True
        return reported

    async def fetch(self, *, tx_hash: str, claimed: LedgerTx) -> LedgerTx:
        """The node's view of `tx_hash`; `claimed` is ignored (the caller compares)."""
        if not _TX_HASH.fullmatch(tx_hash):
            raise ValueError("tx_hash must be 64 hexadecimal characters")
        if not self._verified:
            await self.check_network()
        wanted = tx_hash.upper()
        result = await self._ask(wanted)
        try:
            found = _read_answer(wanted, result)
        except _NodeRefused as error:
            raise self._failure(
                "node_error", f"the XRPL node refused the lookup ({error})"
            ) from None
        except _BadAnswer as error:
            detail = f"the XRPL node's answer is unusable: {error}"
            raise self._failure("invalid_answer", detail) from None
        _count("ok" if found.found else "not_found")
        return found

    async def aclose(self) -> None:
        """Nothing pooled: xrpl-py opens one HTTP client per JSON-RPC request."""
        return None

    async def _ask(self, tx_hash: str) -> dict[str, Any]:
        """One `tx` request (api_version 2, JSON) bounded by the configured timeout."""
        return await self._request(Tx(transaction=tx_hash, binary=False), "tx")

    async def _request(self, request: Request, operation: str) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.request(request)
        except TimeoutError as error:
            detail = f"the XRPL node did not answer within {self._timeout:g} s"
            raise self._failure("timeout", detail, operation) from error
        except _TRANSPORT_FAILURES as error:
            detail = f"could not get an answer from the XRPL node ({type(error).__name__})"
            raise self._failure("unreachable", detail, operation) from error
        except _ANSWER_FAILURES as error:
            detail = (
                f"the XRPL node answered something that is not JSON-RPC ({type(error).__name__})"
            )
            raise self._failure("invalid_answer", detail, operation) from error
        result: dict[str, Any] = response.result
        return result

    @staticmethod
    def _failure(outcome: str, detail: str, operation: str = "tx") -> LedgerUnavailable:
        _count(outcome, operation)
        log.warning("xrpl %s failed: %s", operation, detail)
        return LedgerUnavailable(detail)

    @staticmethod
    def _mismatch(detail: str) -> NetworkMismatch:
        _count("wrong_network", "server_info")
        log.error("xrpl node refused: %s", detail)
        return NetworkMismatch(detail)


def _count(outcome: str, operation: str = "tx") -> None:
    OUTSIDE_CALLS.labels("xrpl", operation, outcome).inc()


def _read_answer(tx_hash: str, result: dict[str, Any]) -> LedgerTx:
    """A `tx` result in either API shape, or the not-found answer."""
    error = result.get("error")
    if error is not None:
        if error == _NOT_FOUND or result.get("error_code") == _NOT_FOUND_CODE:
            return LedgerTx(tx_hash=tx_hash, found=False)
        raise _NodeRefused(_PRINTABLE.sub("", str(error))[:40])
    answered = _optional(result, "hash", str)
    if answered is not None and answered.upper() != tx_hash:
        raise _BadAnswer("it describes another transaction")
    # api_version 2 nests the transaction in tx_json; api_version 1 puts it at the top level.
    tx_json = result.get("tx_json", result)
    if not isinstance(tx_json, dict):
        raise _BadAnswer("tx_json is not an object")
    return _ledger_tx(tx_hash, result, tx_json)


def _ledger_tx(tx_hash: str, result: dict[str, Any], tx: dict[str, Any]) -> LedgerTx:
    validated = _optional(result, "validated", bool) or False
    return LedgerTx(
        tx_hash=tx_hash,
        found=True,
        validated=validated,
        engine_result=_engine_result(result, validated),
        transaction_type=_required(tx, "TransactionType", str),
        account=_optional(tx, "Account", str),
        owner=_optional(tx, "Owner", str),
        destination=_optional(tx, "Destination", str),
        amount_drops=_drops(tx.get("Amount")),
        finish_after=_optional(tx, "FinishAfter", int),
        cancel_after=_optional(tx, "CancelAfter", int),
        condition_hex=_upper(_optional(tx, "Condition", str)),
        fulfillment_hex=_upper(_optional(tx, "Fulfillment", str)),
        offer_sequence=_optional(tx, "OfferSequence", int),
        sequence=_sequence(tx),
        close_time=_close_time(result, tx),
    )


def _engine_result(result: dict[str, Any], validated: bool) -> str | None:
    """meta.TransactionResult; a validated transaction without one is not a real answer."""
    meta = result.get("meta")
    if meta is None and not validated:
        return None
    if not isinstance(meta, dict):
        raise _BadAnswer("meta is missing or not an object")
    engine_result = meta.get("TransactionResult")
    if engine_result is None and not validated:
        return None
    if not isinstance(engine_result, str):
        raise _BadAnswer("meta.TransactionResult is missing or not a string")
    return engine_result


def _close_time(result: dict[str, Any], tx: dict[str, Any]) -> int | None:
    """`date` of the ledger holding it; some servers repeat it inside tx_json
    (docs/xrpl-and-xaman.md#the-answer-and-the-fields-the-code-reads)."""
    top = _optional(result, "date", int)
    return top if top is not None else _optional(tx, "date", int)


def _sequence(tx: dict[str, Any]) -> int | None:
    """Sequence, or TicketSequence when the transaction used a ticket (Sequence 0)."""
    sequence = _optional(tx, "Sequence", int)
    if sequence:
        return sequence
    return _optional(tx, "TicketSequence", int)


def _drops(amount: Any) -> int | None:
    """XRP drops from a decimal string; an issued-currency object is no XRP amount (None)."""
    if amount is None or isinstance(amount, dict):
        return None
    if isinstance(amount, str) and _DROPS.fullmatch(amount):
        return int(amount)
    raise _BadAnswer("Amount is neither drops nor an issued-currency amount")


def _upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


def _required(document: dict[str, Any], key: str, kind: type[T]) -> T:
    value = _optional(document, key, kind)
    if value is None:
        raise _BadAnswer(f"{key} is missing")
    return value


def _optional(document: dict[str, Any], key: str, kind: type[T]) -> T | None:
    """The field when present and of `kind` (a JSON bool is never a number); absent is None."""
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _BadAnswer(f"{key} is not a {kind.__name__}")
    return value
