"""Typed dependencies of the signing side: the service chosen from XAMAN_MODE, and the
lifecycle's way of recording an outcome (wired in by the application)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ringledger.signing.interface import OutcomeRecorder, SigningService


async def get_signing(request: Request) -> SigningService:
    signing: SigningService = request.app.state.signing
    return signing


async def get_recorder(request: Request) -> OutcomeRecorder:
    recorder: OutcomeRecorder = request.app.state.record_outcome
    return recorder


SigningDep = Annotated[SigningService, Depends(get_signing)]
RecorderDep = Annotated[OutcomeRecorder, Depends(get_recorder)]
