"""Chooses the ledger (verifier and state reads) once, from settings."""

from __future__ import annotations

from ringledger.core.config import Settings
from ringledger.ledger.interface import Ledger
from ringledger.ledger.stub import StubLedger


def build_ledger(settings: Settings) -> Ledger:
    if settings.XRPL_MODE == "rpc":
        from ringledger.ledger.rpc import RpcLedgerVerifier

        return RpcLedgerVerifier.from_settings(settings)
    return StubLedger()
