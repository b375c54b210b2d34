"""Deterministic sign requests for local runs and CI (XAMAN_MODE=stub)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from ringledger.core.errors import BadRequest
from ringledger.core.timeutil import utcnow
from ringledger.signing.interface import WITHDRAWN_REASON, PayloadOutcome, SignRequest
from ringledger.signing.models import SigningStatus

_NAMESPACE = uuid.UUID("5b0c7d3e-8f11-4a55-9a7e-2d9a1c0f4b21")


class ObservedStatusInvalid(BadRequest):
    code = "observed_status_invalid"


def parse_observed_status(value: str | None) -> SigningStatus:
    """The stub's reading of `observed_status`: one of the five, any case; omitted means open."""
    if value is None:
        return SigningStatus.OPEN
    try:
        return SigningStatus(value.strip().lower())
    except ValueError as error:
        allowed = ", ".join(status.value for status in SigningStatus)
        raise ObservedStatusInvalid(f"observed_status must be one of: {allowed}.") from error


class StubSigning:
    """Same identifier, same payload id; links point at Xaman's URL shapes but open nothing."""

    mode = "stub"

    async def create(
        self,
        *,
        txjson: dict[str, Any],
        identifier: str,
        instruction: str,
        expire_minutes: int,
        signer: str,
    ) -> SignRequest:
        payload_id = str(uuid.uuid5(_NAMESPACE, identifier))
        return SignRequest(
            payload_id=payload_id,
            deep_link_url=f"https://xumm.app/sign/{payload_id}",
            qr_png_url=f"https://xumm.app/sign/{payload_id}_q.png",
            websocket_status_url=f"wss://xumm.app/sign/{payload_id}",
            expires_at=utcnow().replace(microsecond=0) + timedelta(minutes=expire_minutes),
            mode=self.mode,
        )

    async def status(
        self, *, payload_id: str, observed_status: str | None, observed_tx_hash: str | None
    ) -> PayloadOutcome:
        status = parse_observed_status(observed_status)
        tx_hash = observed_tx_hash if status == SigningStatus.SIGNED else None
        return PayloadOutcome(
            status=status, tx_hash=tx_hash, reason="reported by the operator (stub)"
        )

    async def cancel(self, *, payload_id: str) -> None:
        return None

    async def withdraw(self, *, payload_id: str) -> PayloadOutcome:
        return PayloadOutcome(status=SigningStatus.DECLINED, reason=WITHDRAWN_REASON)

    async def aclose(self) -> None:
        return None
