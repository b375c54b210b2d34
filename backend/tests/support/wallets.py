"""Accounts that sign for real and submit to the local node's validated ledger.

A `LedgerWallet` plays one account's Xaman app and the ledger it submits to: it signs the
transaction a sign request shows (filling in what a wallet fills in), lets the node validate it
— which applies its effect to the node's ledger model: an escrow appears or goes — and marks the
request signed at Xaman. It can also submit on its own, without any sign request of the
service's: a fighter finishing their show escrow from their own wallet, a stranger cancelling a
bonus after CancelAfter.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from xrpl.core.binarycodec import encode
from xrpl.utils import datetime_to_ripple_time
from xrpl.wallet import Wallet

from tests.support.fake_rippled import FakeRippled, sign_tx_json, signed_hash
from tests.support.fake_xaman import FakeXaman

# rippled rounds ledger close times to 10 s; the local node keeps to that grid.
CLOSE_TIME_RESOLUTION = 10
WALLET_FEE_DROPS = "12"
LEDGER_GRACE = 20


def ledger_now() -> int:
    """The current close time on the ledger's 10-second grid."""
    now = int(datetime_to_ripple_time(datetime.now(UTC)))
    return now - now % CLOSE_TIME_RESOLUTION


def first_close_after(moment: int) -> int:
    """The first ledger close time strictly after `moment`."""
    return (moment // CLOSE_TIME_RESOLUTION + 1) * CLOSE_TIME_RESOLUTION


class LedgerWallet:
    """One account: its key, its sequence numbers, its app and the ledger it submits to."""

    def __init__(self, *, node: FakeRippled, xaman: FakeXaman | None = None) -> None:
        self.key = Wallet.create()
        self.address = self.key.classic_address
        self._node, self._xaman = node, xaman
        self._sequence = itertools.count(start=1_001)
        node.ledger.add_account(self.address)

    def signed(self, tx: dict[str, Any]) -> dict[str, Any]:
        """`tx` as this wallet signs it: its Sequence, a Fee, a LastLedgerSequence."""
        filled = dict(tx)
        filled["Sequence"] = next(self._sequence)
        filled.setdefault("Fee", WALLET_FEE_DROPS)
        filled["LastLedgerSequence"] = self._node.ledger.ledger_index + LEDGER_GRACE
        return sign_tx_json(filled, self.key)

    def submit(
        self, tx: dict[str, Any], *, close_time: int | None = None, result: str = "tesSUCCESS"
    ) -> str:
        """Sign and submit on its own; the node validates it. Its hash."""
        return self._node.validate(self.signed(tx), result=result, close_time=close_time)

    def sign_request(
        self, payload_id: str, *, close_time: int | None = None, validated: bool = True
    ) -> tuple[str, dict[str, Any]]:
        """Sign what Xaman shows and mark it signed there; validated now unless told not to
        (then `validate_later` puts it on the ledger). The hash and the signed transaction."""
        assert self._xaman is not None, "this wallet has no app"
        signed = self.signed(self._xaman.payloads[payload_id].txjson)
        if validated:
            tx_hash = self._node.validate(signed, close_time=close_time)
        else:
            tx_hash = signed_hash(signed)
        self._xaman.sign(
            payload_id,
            txid=tx_hash,
            nodetype="TESTNET",
            account=self.address,
            signed_hex=encode(signed),
        )
        return tx_hash, signed

    def validate_later(self, signed: dict[str, Any], *, close_time: int | None = None) -> str:
        return self._node.validate(signed, close_time=close_time)
