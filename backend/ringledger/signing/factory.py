"""Chooses the signing implementation once, from settings."""

from __future__ import annotations

from ringledger.core.config import Settings
from ringledger.signing.interface import SigningService
from ringledger.signing.stub import StubSigning


def build_signing(settings: Settings) -> SigningService:
    if settings.XAMAN_MODE == "api":
        from ringledger.signing.xaman import XamanSigning

        return XamanSigning.from_settings(settings)
    return StubSigning()
