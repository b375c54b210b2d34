"""The signing side as request handlers reach it: the service chosen from XAMAN_MODE, and the
lifecycle's way of recording an outcome (wired in by the application). Both live as long as
the process, so they are read from the application's state (see `ringledger.core.deps`)."""

from __future__ import annotations

from fastapi import Request

from ringledger.signing.interface import OutcomeRecorder, SigningService


def signing_of(request: Request) -> SigningService:
    signing: SigningService = request.app.state.signing
    return signing


def recorder_of(request: Request) -> OutcomeRecorder:
    recorder: OutcomeRecorder = request.app.state.record_outcome
    return recorder
