"""A local stand-in for an XRPL node's JSON-RPC `tx` method on a real socket
(docs/xrpl-and-xaman.md#reading-the-ledger-tx-and-server_info).

Tests register transactions by hash and choose how the node describes them: validated or not,
the engine result, close time and ledger index, api_version 2 (`tx_json` + `meta`) or the
api_version 1 shape (fields at the top level). Faults cover what a real node or the network in
between can do: garbage, a JSON answer of the wrong shape, slowness, resets, HTTP errors.
`sign_tx_json` and `FakeRippled.register_signed` let end-to-end tests use transactions genuinely
signed with an xrpl-py `Wallet`, registered under the hash the ledger would give them.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from xrpl.core.binarycodec import encode, encode_for_signing
from xrpl.core.keypairs import is_valid_message
from xrpl.models.transactions.transaction import Transaction
from xrpl.transaction import sign
from xrpl.wallet import Wallet

from tests.support.fake_xaman import deeply_nested
from tests.support.local_http import LocalHttpServer, Received, Reply

RIPPLE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# rippled's answer for an unknown hash (error_code 29); `searched_all` only comes with a range.
NOT_FOUND_CODE = 29
Shape = Literal["v2", "v1"]


class RippledFault(enum.StrEnum):
    """What the next `tx` call suffers instead of its normal answer."""

    GARBAGE = "garbage"  # 200 with a body that is not JSON
    WRONG_SHAPE = "wrong_shape"  # 200 JSON-RPC success whose tx lacks TransactionType
    NO_RESULT = "no_result"  # 200 JSON without the JSON-RPC `result` member
    HTTP_ERROR = "http_error"  # 503 with a plain-text body, as an overloaded server answers
    NODE_BUSY = "node_busy"  # a JSON-RPC error other than txnNotFound (tooBusy)
    SLOW = "slow"  # the normal answer, after `slow_seconds`
    CONNECTION_RESET = "connection_reset"  # TCP RST after the request was read
    DEEP_NESTING = "deep_nesting"  # 200 with valid JSON nested beyond any parser's recursion


@dataclass(frozen=True)
class LedgerRecord:
    """How the node describes one transaction."""

    tx_json: dict[str, Any]
    validated: bool = True
    result: str | None = "tesSUCCESS"
    close_time: int | None = None
    ledger_index: int | None = None
    shape: Shape = "v2"
    # Some servers repeat `date` and `ledger_index` inside tx_json (docs/xrpl-and-xaman.md#reading-the-ledger-tx-and-server_info).
    date_in_tx_json: bool = False


class FakeRippled:
    """Answers JSON-RPC POST / for `tx`; `url` is what XRPL_RPC_URL holds."""

    def __init__(self, *, slow_seconds: float = 1.0, network_id: int | None = 1) -> None:
        self.slow_seconds = slow_seconds
        # What server_info reports as info.network_id (1 = Testnet); None leaves it out, as a
        # node from before the field existed did.
        self.network_id = network_id
        self.records: dict[str, LedgerRecord] = {}
        self._faults: list[tuple[str, RippledFault]] = []
        self._lock = threading.Lock()
        self._http = LocalHttpServer(self._handle)

    def __enter__(self) -> FakeRippled:
        self._http.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.stop()

    @property
    def url(self) -> str:
        return self._http.url + "/"

    @property
    def received(self) -> list[Received]:
        return self._http.received

    def calls(self, method: str = "tx") -> list[Received]:
        """The requests received for one JSON-RPC method, in order."""
        return [request for request in self.received if _method_of(request) == method]

    def fail_next(self, *faults: RippledFault, method: str = "tx") -> None:
        """The next len(faults) calls of `method` suffer these faults, one each, in order."""
        with self._lock:
            self._faults.extend((method, fault) for fault in faults)

    def register(self, tx_hash: str, tx_json: dict[str, Any], **how: Any) -> None:
        """Describe `tx_hash` with `tx_json`; `how` sets LedgerRecord's other fields."""
        self.records[tx_hash.upper()] = LedgerRecord(tx_json=dict(tx_json), **how)

    def register_signed(self, signed_tx_json: dict[str, Any], **how: Any) -> str:
        """Register a wallet-signed transaction under its real hash, and return that hash."""
        tx_hash = signed_hash(signed_tx_json)
        self.register(tx_hash, signed_tx_json, **how)
        return tx_hash

    def _handle(self, request: Received) -> Reply:
        fault = self._next_fault(_method_of(request))
        if fault is RippledFault.CONNECTION_RESET:
            return Reply(reset=True)
        if fault is RippledFault.GARBAGE:
            return Reply(200, b"<html><body>It works!</body></html>", {"Content-Type": "text/html"})
        if fault is RippledFault.HTTP_ERROR:
            return Reply(503, b"Server is overloaded\r\n", {"Content-Type": "text/plain"})
        if fault is RippledFault.DEEP_NESTING:
            body = b'{"result":' + deeply_nested() + b"}"
            return Reply(200, body, {"Content-Type": "application/json"})
        if fault is RippledFault.NO_RESULT:
            return Reply.of_json({"jsonrpc": "2.0", "id": None})
        reply = self._answer(request, fault)
        if fault is RippledFault.SLOW:
            return Reply(reply.status, reply.body, reply.headers, delay_seconds=self.slow_seconds)
        return reply

    def _next_fault(self, method: str | None) -> RippledFault | None:
        with self._lock:
            for position, (target, fault) in enumerate(self._faults):
                if target == method:
                    del self._faults[position]
                    return fault
            return None

    def _answer(self, request: Received, fault: RippledFault | None) -> Reply:
        try:
            call = request.json()
            method, params = call["method"], call["params"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return Reply.of_json(_error("invalidParams", 31, "Invalid parameters.", {}))
        if method == "server_info":
            return Reply.of_json({"result": _server_info(self.network_id)})
        if method != "tx":
            return Reply.of_json(_error("unknownCmd", 32, "Unknown method.", params))
        if fault is RippledFault.NODE_BUSY:
            return Reply.of_json(
                _error("tooBusy", 9, "The server is too busy to help you now.", params)
            )
        tx_hash = str(params.get("transaction", "")).upper()
        record = self.records.get(tx_hash)
        if record is None:
            return Reply.of_json(
                _error("txnNotFound", NOT_FOUND_CODE, "Transaction not found.", params)
            )
        if fault is RippledFault.WRONG_SHAPE:
            return Reply.of_json(_wrong_shape(tx_hash))
        return Reply.of_json({"result": _describe(tx_hash, record)})


def _method_of(request: Received) -> str | None:
    try:
        method = request.json().get("method")
    except (ValueError, AttributeError):
        return None
    return method if isinstance(method, str) else None


def _server_info(network_id: int | None) -> dict[str, Any]:
    """server_info's `result` (the fields a node of rippled 2.x reports that matter here)."""
    info: dict[str, Any] = {
        "build_version": "2.3.0",
        "complete_ledgers": "32570-95000000",
        "server_state": "full",
        "validated_ledger": {"seq": 95000000, "age": 2},
    }
    if network_id is not None:
        info["network_id"] = network_id
    return {"info": info, "status": "success"}


def _describe(tx_hash: str, record: LedgerRecord) -> dict[str, Any]:
    """The `result` of a `tx` answer for a known transaction, in the record's API shape."""
    located = _location(record)
    meta = _meta(record)
    if record.shape == "v1":
        # api_version 1: the transaction's fields sit beside hash/meta/validated.
        return {
            **record.tx_json,
            "hash": tx_hash,
            **located,
            **meta,
            "validated": record.validated,
            "status": "success",
        }
    tx_json = {key: value for key, value in record.tx_json.items() if key != "hash"}
    if record.date_in_tx_json and "date" in located:
        # The variant where only tx_json carries `date` (ledger_index appears in both places).
        tx_json["date"] = located.pop("date")
        tx_json["ledger_index"] = located.get("ledger_index")
    return {
        "hash": tx_hash,
        "tx_json": tx_json,
        **located,
        **meta,
        "validated": record.validated,
        "status": "success",
    }


def _location(record: LedgerRecord) -> dict[str, Any]:
    """Ledger index and close time; a validated ledger also has its hash and ISO time."""
    located: dict[str, Any] = {}
    if record.ledger_index is not None:
        located["ledger_index"] = record.ledger_index
    if record.close_time is not None:
        located["date"] = record.close_time
        if record.validated:
            moment = RIPPLE_EPOCH + timedelta(seconds=record.close_time)
            located["close_time_iso"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            located["ledger_hash"] = "ABCD" * 16
    return located


def _meta(record: LedgerRecord) -> dict[str, Any]:
    """Metadata exists once the transaction is in a closed ledger (a result was given)."""
    if record.result is None:
        return {}
    return {
        "meta": {"AffectedNodes": [], "TransactionIndex": 0, "TransactionResult": record.result}
    }


def _error(name: str, code: int, message: str, params: dict[str, Any]) -> dict[str, Any]:
    request = {"command": "tx", **params} if isinstance(params, dict) else {}
    return {
        "result": {
            "error": name,
            "error_code": code,
            "error_message": message,
            "request": request,
            "status": "error",
        }
    }


def _wrong_shape(tx_hash: str) -> dict[str, Any]:
    """Valid JSON-RPC that is not a tx answer: no TransactionType, a sequence that is text."""
    tx_json = {"Account": "rEXAMPLE", "Sequence": "seven"}
    return {"result": {"hash": tx_hash, "tx_json": tx_json, "validated": True, "status": "success"}}


def sign_tx_json(tx_json: dict[str, Any], wallet: Wallet) -> dict[str, Any]:
    """Sign XRPL JSON offline with xrpl-py, as a wallet would; returns the signed XRPL JSON.

    `tx_json` must already carry what a wallet fills in (Fee, Sequence or TicketSequence).
    """
    signed = sign(Transaction.from_xrpl(tx_json), wallet)
    return signed.to_xrpl()


def signed_hash(signed_tx_json: dict[str, Any]) -> str:
    """The ledger's hash of a signed transaction, refusing one whose signature does not verify."""
    signature, public_key = signed_tx_json.get("TxnSignature"), signed_tx_json.get("SigningPubKey")
    if not signature or not public_key:
        raise ValueError("the transaction is not signed")
    message = bytes.fromhex(encode_for_signing(signed_tx_json))
    if not is_valid_message(message, bytes.fromhex(signature), public_key):
        raise ValueError("the transaction's signature does not verify")
    # Hash the exact signed blob, as the ledger does (xrpl-py: Transaction.get_hash).
    return Transaction.from_blob(encode(signed_tx_json)).get_hash()
