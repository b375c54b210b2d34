"""Xaman's callback: authenticate it, then reconcile the payload exactly as the API route does."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit.service import Actor
from ringledger.bouts.confirm import lock_bout
from ringledger.bouts.models import Bout
from ringledger.core.errors import BadRequest, NotAuthenticated
from ringledger.signing import service
from ringledger.signing.interface import SigningService
from ringledger.signing.models import SigningAttempt
from ringledger.signing.xaman import verify_webhook_signature


class SignatureInvalid(NotAuthenticated):
    code = "webhook_signature_invalid"


def authenticate(
    *, secret: str | None, timestamp: str | None, signature: str | None, body: bytes
) -> None:
    """401 unless Xaman signed exactly these bytes recently (INTEGRATIONS.md §4)."""
    if not secret or not verify_webhook_signature(
        secret=secret, timestamp=timestamp, signature=signature, body=body
    ):
        raise SignatureInvalid("The webhook signature is missing, wrong or stale.")


def payload_id_of(body: bytes) -> str:
    """The payload uuid the callback is about (meta.payload_uuidv4 or payloadResponse's)."""
    try:
        document: Any = json.loads(body)
        candidate = (document.get("meta") or {}).get("payload_uuidv4") or (
            document.get("payloadResponse") or {}
        ).get("payload_uuidv4")
        return str(uuid.UUID(str(candidate)))
    except (ValueError, TypeError, AttributeError) as error:
        raise BadRequest("The callback names no payload.") from error


async def handle(session: AsyncSession, signing: SigningService, *, payload_id: str) -> str:
    """Fetch the payload from Xaman and record its outcome; what became of the callback."""
    attempt = await session.scalar(
        select(SigningAttempt).where(SigningAttempt.payload_id == payload_id)
    )
    if attempt is None:
        return "unknown_payload"  # not ours: answered 200 so Xaman stops retrying
    # Ask Xaman before taking the bout's lock: a slow answer must not hold it.
    unlocked = await session.get(Bout, attempt.bout_id)
    assert unlocked is not None
    outcome = await service.ask_status(
        session,
        signing,
        bout=unlocked,
        attempt=attempt,
        observed_status=None,
        observed_tx_hash=None,
        actor=Actor.system(),
    )
    bout = await lock_bout(session, attempt.bout_id)
    await session.refresh(attempt)  # the reconcile route or the worker may have been first
    escrow = next(item for item in bout.escrows if item.id == attempt.escrow_id)
    changed = await service.record_outcome(
        session, bout=bout, escrow=escrow, attempt=attempt, outcome=outcome, actor=Actor.system()
    )
    return "recorded" if changed else "unchanged"
