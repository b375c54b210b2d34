"""The signing side as request handlers reach it: the service chosen from XAMAN_MODE, and the
lifecycle's way of recording an outcome (wired in by the application). Both live as long as
the process, so they are read from typed slots of the application's state
(`ringledger.core.state`)."""

from __future__ import annotations

from fastapi import Request

from ringledger.core.state import Slot
from ringledger.signing.interface import OutcomeRecorder, SigningService

SIGNING: Slot[SigningService] = Slot("signing")
RECORDER: Slot[OutcomeRecorder] = Slot("record_outcome")


def signing_of(request: Request) -> SigningService:
    return SIGNING.of(request)


def recorder_of(request: Request) -> OutcomeRecorder:
    return RECORDER.of(request)
