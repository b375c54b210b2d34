"""The typed dependency of the ledger verifier chosen from XRPL_MODE."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ringledger.ledger.interface import LedgerVerifier


async def get_ledger(request: Request) -> LedgerVerifier:
    ledger: LedgerVerifier = request.app.state.ledger
    return ledger


LedgerDep = Annotated[LedgerVerifier, Depends(get_ledger)]
