"""The local XRPL node stand-in as a process of its own, for the web console's browser tests.

`python -m tests.support.e2e_ledger` (from `backend/`) serves the node's JSON-RPC API exactly as
`FakeRippled` answers it to the service's own tests, on a free port of 127.0.0.1, with its
validated ledger's clock set to now. Beside it, on a port of its own, a small control API lets
the browser tests play the accounts that sign on the ledger, with keys that never leave this
process:

- `POST /wallets {"name", "allow_trust_line_locking"?, "transfer_rate"?}` → `201 {"name",
  "address"}`: a new account with a fresh key, funded on the ledger; the two optional settings
  make it a token issuer whose token may be escrowed (AccountSet flag 17) and that charges a
  transfer fee (a TransferRate, e.g. 1002000000 for 0.2%);
- `POST /submit {"wallet", "tx_json", "close_after"?}` → `200 {"tx_hash", "ledger_index",
  "close_time"}`: the wallet signs the transaction as a wallet app would (its Sequence, a Fee, a
  LastLedgerSequence) and the node validates it in a new ledger. That ledger closes now (on the
  ledger's 10-second grid), or after `close_after` (ripple seconds) when given, a finish after
  FinishAfter; in any case after the ledger before it, so the clock only moves on. A success the
  real ledger would refuse is `409 {"error", "code"}`.

Nothing of the control API reaches the JSON-RPC port, whose wire format stays the node's. Once
both listen, the process prints one JSON line, `{"rpc_url", "control_url"}`, and serves until
its standard input closes (the test runner is gone) or it gets SIGINT or SIGTERM.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any

from xrpl.models.exceptions import XRPLModelException

from tests.support.fake_rippled import FakeRippled
from tests.support.ledger_model import PARITY_RATE, LedgerRefusal
from tests.support.local_http import LocalHttpServer, Received, Reply
from tests.support.wallets import (
    CLOSE_TIME_RESOLUTION,
    LedgerWallet,
    first_close_after,
    ledger_now,
)

# The highest TransferRate the ledger accepts (a 100% fee; AccountSet, xrpl.org).
MAX_RATE = 2_000_000_000


class BadRequest(ValueError):
    """A control request this API cannot act on (400)."""


class Control:
    """The control API's routes: wallets held here, transactions they sign and submit."""

    def __init__(self, node: FakeRippled) -> None:
        self.node = node
        self.wallets: dict[str, LedgerWallet] = {}
        # One submission at a time: each wallet's sequence and the ledger's clock move in order.
        self._lock = threading.Lock()

    def handle(self, request: Received) -> Reply:
        routes = {("POST", "/wallets"): self.new_wallet, ("POST", "/submit"): self.submit}
        route = routes.get((request.method, request.path))
        if route is None:
            return Reply.of_json({"error": "no such route"}, status=404)
        try:
            body = request.json()
            if not isinstance(body, dict):
                raise BadRequest("the body is a JSON object")
            return route(body)
        except (BadRequest, json.JSONDecodeError) as error:
            return Reply.of_json({"error": str(error)}, status=400)
        except LedgerRefusal as refusal:
            return Reply.of_json({"error": str(refusal), "code": refusal.code}, status=409)

    def new_wallet(self, body: dict[str, Any]) -> Reply:
        name = _text(body, "name")
        locking = body.get("allow_trust_line_locking", False)
        if type(locking) is not bool:
            raise BadRequest("allow_trust_line_locking is true or false")
        rate = body.get("transfer_rate")
        if rate is not None and (type(rate) is not int or not PARITY_RATE <= rate <= MAX_RATE):
            raise BadRequest(f"transfer_rate is an integer from {PARITY_RATE} to {MAX_RATE}")
        with self._lock:
            if name in self.wallets:
                raise BadRequest(f"a wallet named {name!r} exists")
            wallet = LedgerWallet(node=self.node)
            self.wallets[name] = wallet
            if locking or rate is not None:
                # Declared again with the issuer's settings; nothing else of it has changed yet.
                funded = self.node.ledger.accounts[wallet.address].balance_drops
                self.node.ledger.add_account(
                    wallet.address,
                    balance_drops=funded,
                    allow_trust_line_locking=locking,
                    transfer_rate=rate,
                )
        return Reply.of_json({"name": name, "address": wallet.address}, status=201)

    def submit(self, body: dict[str, Any]) -> Reply:
        tx_json = body.get("tx_json")
        if not isinstance(tx_json, dict):
            raise BadRequest("tx_json is a JSON object")
        close_after = body.get("close_after")
        if close_after is not None and type(close_after) is not int:
            raise BadRequest("close_after is ripple seconds (an integer)")
        with self._lock:
            wallet = self.wallets.get(_text(body, "wallet"))
            if wallet is None:
                raise BadRequest("no such wallet")
            wanted = ledger_now() if close_after is None else first_close_after(close_after)
            close_time = max(wanted, self.node.ledger.close_time + CLOSE_TIME_RESOLUTION)
            try:
                tx_hash = wallet.submit(tx_json, close_time=close_time)
            except (XRPLModelException, KeyError, TypeError) as error:
                raise BadRequest(f"the wallet cannot sign this transaction: {error}") from None
            ledger = self.node.ledger
            answer = {
                "tx_hash": tx_hash,
                "ledger_index": ledger.ledger_index,
                "close_time": ledger.close_time,
            }
        return Reply.of_json(answer)


def _text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{field} is a non-empty string")
    return value


def serve_until_stopped() -> None:
    """Run the node and its control API until stdin closes, SIGINT or SIGTERM."""
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    # The runner holds our stdin: when it goes, for whatever reason, so do we.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    with FakeRippled() as node:
        node.ledger.set_clock(close_time=ledger_now())
        control = LocalHttpServer(Control(node).handle)
        control.start()
        try:
            print(json.dumps({"rpc_url": node.url, "control_url": control.url}), flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            control.stop()


if __name__ == "__main__":
    serve_until_stopped()
