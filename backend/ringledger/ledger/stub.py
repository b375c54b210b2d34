"""XRPL_MODE=stub: the confirm request's evidence is taken as the ledger's answer (never in
production). Its clock is whatever the evidence says; it is never compared with the server's.

There is no ledger behind it, so it has no state to read: the service makes those reads only in
rpc mode, and a call here is a bug that must not pass for an answer.
"""

from __future__ import annotations

from typing import NoReturn

from ringledger.ledger.interface import LedgerTx
from ringledger.ledger.state import (
    AccountInfo,
    AccountTxPage,
    EscrowEntry,
    TrustLine,
    ValidatedLedger,
)


class StubLedgerHasNoState(RuntimeError):
    """A ledger-state read was made in XRPL_MODE=stub."""


class StubLedger:
    mode = "stub"

    async def fetch(self, *, tx_hash: str, claimed: LedgerTx) -> LedgerTx:
        return claimed

    async def check_network(self) -> int | None:
        return None  # the stub ledger is whatever the evidence says: no network to check

    async def aclose(self) -> None:
        return None

    # The reads take whatever LedgerReader's do: they refuse all of them alike.
    async def validated_ledger(self) -> ValidatedLedger:
        _no_state("validated_ledger")

    async def escrow(self, *args: object, **kwargs: object) -> EscrowEntry | None:
        _no_state("escrow")

    async def account_transactions(self, *args: object, **kwargs: object) -> AccountTxPage:
        _no_state("account_transactions")

    async def account_info(self, *args: object, **kwargs: object) -> AccountInfo | None:
        _no_state("account_info")

    async def trust_lines(self, *args: object, **kwargs: object) -> list[TrustLine]:
        _no_state("trust_lines")


def _no_state(read: str) -> NoReturn:
    raise StubLedgerHasNoState(
        f"XRPL_MODE=stub has no ledger state: {read}() is only available with XRPL_MODE=rpc"
    )
