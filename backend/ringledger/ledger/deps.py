"""The ledger chosen from XRPL_MODE, as request handlers reach it (it lives as long
as the process: see `ringledger.core.deps`)."""

from __future__ import annotations

from fastapi import Request

from ringledger.core.state import Slot
from ringledger.ledger.interface import Ledger

LEDGER: Slot[Ledger] = Slot("ledger")


def ledger_of(request: Request) -> Ledger:
    return LEDGER.of(request)
