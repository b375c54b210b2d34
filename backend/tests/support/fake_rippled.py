"""A local stand-in for an XRPL node's JSON-RPC API on a real socket
(docs/xrpl-and-xaman.md#reading-the-ledger-tx-and-server_info,
docs/xrpl-and-xaman.md#the-local-node-stand-in).

`tx`: tests register transactions by hash and choose how the node describes them: validated or
not, the engine result, close time and ledger index, api_version 2 (`tx_json` + `meta`) or the
api_version 1 shape (fields at the top level). `sign_tx_json` and `FakeRippled.register_signed`
let end-to-end tests use transactions genuinely signed with an xrpl-py `Wallet`, registered under
the hash the ledger would give them.

The ledger's state (`ledger`, `ledger_entry`, `account_tx`, `account_info`, `account_lines`)
comes from a small validated-ledger model (`tests.support.ledger_model`): tests declare accounts
and trust lines on `node.ledger`, and `FakeRippled.validate` puts a transaction in a new validated
ledger and applies its effect. Faults cover what a real node or the network in between can do:
garbage, a JSON answer of the wrong shape, slowness, resets, HTTP errors, a refusal.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from xrpl.core.binarycodec import encode, encode_for_signing
from xrpl.core.keypairs import is_valid_message
from xrpl.models.transactions.transaction import Transaction
from xrpl.transaction import sign
from xrpl.wallet import Wallet

from tests.support import rippled_state
from tests.support.fake_xaman import deeply_nested
from tests.support.ledger_model import LedgerModel
from tests.support.local_http import LocalHttpServer, Received, Reply
from tests.support.rippled_state import Shape


class RippledFault(enum.StrEnum):
    """What the next call of a method suffers instead of its normal answer."""

    GARBAGE = "garbage"  # 200 with a body that is not JSON
    WRONG_SHAPE = "wrong_shape"  # 200 JSON-RPC success without what the method must return
    NO_RESULT = "no_result"  # 200 JSON without the JSON-RPC `result` member
    HTTP_ERROR = "http_error"  # 503 with a plain-text body, as an overloaded server answers
    NODE_BUSY = "node_busy"  # a JSON-RPC error other than the not-found one (tooBusy)
    SLOW = "slow"  # the normal answer, after `slow_seconds`
    CONNECTION_RESET = "connection_reset"  # TCP RST after the request was read
    DEEP_NESTING = "deep_nesting"  # 200 with valid JSON nested beyond any parser's recursion
    NOT_FOUND = "not_found"  # the method's not-found error (entryNotFound, actNotFound, …)
    UNVALIDATED = "unvalidated"  # the normal answer, but from a ledger not validated yet


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
    # The metadata's AffectedNodes (what the transaction changed; empty unless told).
    nodes: tuple[dict[str, Any], ...] = ()


Rewrite = Callable[[dict[str, Any]], None]
T = TypeVar("T")


class FakeRippled:
    """Answers JSON-RPC POST /; `url` is what XRPL_RPC_URL holds."""

    def __init__(self, *, slow_seconds: float = 1.0, network_id: int | None = 1) -> None:
        self.slow_seconds = slow_seconds
        # What server_info reports as info.network_id (1 = Testnet); None leaves it out, as a
        # node from before the field existed did.
        self.network_id = network_id
        self.records: dict[str, LedgerRecord] = {}
        self.ledger = LedgerModel()
        # The shape of the state answers: "v1" stands for a server that answers api_version 1.
        self.shape: Shape = "v2"
        # False: account_info leaves out `account_flags`, as rippled before 1.11 did.
        self.name_account_flags = True
        # account_lines entries per page when the request sets no limit (rippled: 200).
        self.lines_page_size = 200
        self._faults: list[tuple[str, RippledFault]] = []
        self._rewrites: list[tuple[str, Rewrite]] = []
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

    def validate(
        self,
        tx_json: dict[str, Any],
        *,
        result: str = "tesSUCCESS",
        close_time: int | None = None,
        tx_hash: str | None = None,
        new_ledger: bool = True,
    ) -> str:
        """Put a transaction in a validated ledger, apply its effect, return its hash.

        A signed transaction gets its real hash; an unsigned one needs `tx_hash`. The new
        ledger closes at `close_time` (default: 10 s after the last); `new_ledger=False` adds
        the transaction to the newest validated ledger instead. `tx` then finds it as well.
        """
        if tx_hash is None:
            tx_hash = signed_hash(tx_json)
        entry = self.ledger.apply(
            tx_hash.upper(), tx_json, result=result, close_time=close_time, new_ledger=new_ledger
        )
        self.register(
            entry.tx_hash,
            tx_json,
            result=result,
            close_time=entry.close_time,
            ledger_index=entry.ledger_index,
            nodes=entry.nodes,
        )
        return entry.tx_hash

    def rewrite_next(self, method: str, rewrite: Rewrite) -> None:
        """The next successful answer of `method` is changed by `rewrite(result)` before it
        is sent: a field of the wrong type, a missing member, another account's data."""
        with self._lock:
            self._rewrites.append((method, rewrite))

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
        return self._take(self._faults, method)

    def _next_rewrite(self, method: str) -> Rewrite | None:
        return self._take(self._rewrites, method)

    def _take(self, queue: list[tuple[str, T]], method: str | None) -> T | None:
        """Remove and return the first queued item for `method`."""
        with self._lock:
            for position, (target, item) in enumerate(queue):
                if target == method:
                    del queue[position]
                    return item
            return None

    def _answer(self, request: Received, fault: RippledFault | None) -> Reply:
        try:
            call = request.json()
            method, params = call["method"], call["params"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return Reply.of_json({"result": rippled_state.error("invalidParams", "", {})})
        result = self._result(str(method), params, fault)
        if fault is RippledFault.UNVALIDATED:
            result["validated"] = False
        rewrite = self._next_rewrite(str(method)) if "error" not in result else None
        if rewrite is not None:
            rewrite(result)
        return Reply.of_json({"result": result})

    def _result(self, method: str, params: Any, fault: RippledFault | None) -> dict[str, Any]:
        """The `result` of one call: a fault's, the method's, or unknownCmd."""
        if fault is RippledFault.NODE_BUSY:
            return rippled_state.error("tooBusy", method, params)
        if fault is RippledFault.NOT_FOUND and method in rippled_state.NOT_FOUND:
            return rippled_state.error(rippled_state.NOT_FOUND[method], method, params)
        if fault is RippledFault.WRONG_SHAPE:
            return _wrong_shape(method, params)
        if method == "server_info":
            return _server_info(
                self.network_id, self.ledger.oldest_ledger, self.ledger.ledger_index
            )
        if method == "tx":
            return self._tx(params)
        answer = self._state_methods().get(method)
        if answer is None or not isinstance(params, dict):
            return rippled_state.error("unknownCmd", method, params)
        return answer(params)

    def _state_methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        model, shape = self.ledger, self.shape
        return {
            "ledger": lambda params: rippled_state.ledger(model, params, shape),
            "ledger_entry": lambda params: rippled_state.ledger_entry(model, params),
            "account_tx": lambda params: rippled_state.account_tx(model, params, shape),
            "account_info": lambda params: rippled_state.account_info(
                model, params, name_flags=self.name_account_flags
            ),
            "account_lines": lambda params: rippled_state.account_lines(
                model, params, self.lines_page_size
            ),
        }

    def _tx(self, params: dict[str, Any]) -> dict[str, Any]:
        tx_hash = str(params.get("transaction", "")).upper()
        record = self.records.get(tx_hash)
        if record is None:
            return rippled_state.error("txnNotFound", "tx", params)
        return _describe(tx_hash, record)


def _method_of(request: Received) -> str | None:
    try:
        method = request.json().get("method")
    except (ValueError, AttributeError):
        return None
    return method if isinstance(method, str) else None


def _server_info(network_id: int | None, oldest: int, newest: int) -> dict[str, Any]:
    """server_info's `result` (the fields a node of rippled 2.x reports that matter here)."""
    info: dict[str, Any] = {
        "build_version": "2.3.0",
        "complete_ledgers": f"{oldest}-{newest}",
        "server_state": "full",
        "validated_ledger": {"seq": newest, "age": 2},
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
            located["close_time_iso"] = rippled_state.iso(record.close_time)
            located["ledger_hash"] = "ABCD" * 16
    return located


def _meta(record: LedgerRecord) -> dict[str, Any]:
    """Metadata exists once the transaction is in a closed ledger (a result was given)."""
    if record.result is None:
        return {}
    return {
        "meta": {
            "AffectedNodes": list(record.nodes),
            "TransactionIndex": 0,
            "TransactionResult": record.result,
        }
    }


def _wrong_shape(method: str, params: Any) -> dict[str, Any]:
    """A JSON-RPC success that is not the method's answer: for `tx` a transaction without
    TransactionType and with a sequence that is text, for the others a validated answer
    without the member the method must return."""
    if method == "tx" and isinstance(params, dict):
        tx_json = {"Account": "rEXAMPLE", "Sequence": "seven"}
        tx_hash = str(params.get("transaction", "")).upper()
        return {"hash": tx_hash, "tx_json": tx_json, "validated": True, "status": "success"}
    return {"ledger_index": 95_000_000, "validated": True, "status": "success"}


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
