"""The ledger verifier chosen from XRPL_MODE, as request handlers reach it (it lives as long
as the process: see `ringledger.core.deps`)."""

from __future__ import annotations

from fastapi import Request

from ringledger.ledger.interface import LedgerVerifier


def ledger_of(request: Request) -> LedgerVerifier:
    ledger: LedgerVerifier = request.app.state.ledger
    return ledger
