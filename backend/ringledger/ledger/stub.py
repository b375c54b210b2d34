"""XRPL_MODE=stub: the confirm request's evidence is taken as the ledger's answer (never in
production). Its clock is whatever the evidence says; it is never compared with the server's."""

from __future__ import annotations

from ringledger.ledger.interface import LedgerTx


class StubLedger:
    mode = "stub"

    async def fetch(self, *, tx_hash: str, claimed: LedgerTx) -> LedgerTx:
        return claimed

    async def check_network(self) -> int | None:
        return None  # the stub ledger is whatever the evidence says: no network to check

    async def aclose(self) -> None:
        return None
