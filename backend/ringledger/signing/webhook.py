"""Xaman's callback: authenticate it, then reconcile the payload exactly as the API route does."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from ringledger.audit.service import Actor
from ringledger.core import json_body
from ringledger.core.db import Tx
from ringledger.core.errors import BadRequest, NotAuthenticated
from ringledger.signing import queries, service
from ringledger.signing.interface import OutcomeRecorder, SigningService
from ringledger.signing.xaman import verify_webhook_signature

WebhookResult = Literal["recorded", "unchanged", "unknown_payload"]
"""What became of a callback (the webhook's answer)."""


class SignatureInvalid(NotAuthenticated):
    code = "webhook_signature_invalid"


def authenticate(
    *, secret: str | None, timestamp: str | None, signature: str | None, body: bytes
) -> None:
    """401 unless Xaman signed exactly these bytes recently
    (docs/xrpl-and-xaman.md#the-webhook-and-its-signature)."""
    if not secret or not verify_webhook_signature(
        secret=secret, timestamp=timestamp, signature=signature, body=body
    ):
        raise SignatureInvalid("The webhook signature is missing, wrong or stale.")


def payload_id_of(body: bytes) -> str:
    """The payload uuid the callback is about (meta.payload_uuidv4 or payloadResponse's).

    Read as the request bodies are (`core.json_body`): UTF-8 only and at most 1,024 levels
    deep, so a signed but absurd callback (nesting deep enough to exhaust the standard
    library's recursion) is a 400, not a crash.
    """
    try:
        document: Any = json_body.parse(body)
        candidate = (document.get("meta") or {}).get("payload_uuidv4") or (
            document.get("payloadResponse") or {}
        ).get("payload_uuidv4")
        return str(uuid.UUID(str(candidate)))
    except (ValueError, TypeError, AttributeError) as error:  # BodyRefused is a ValueError
        raise BadRequest("The callback names no payload.") from error


async def handle(
    tx: Tx, signing: SigningService, record: OutcomeRecorder, *, payload_id: str
) -> WebhookResult:
    """Fetch the payload from Xaman and record its outcome; what became of the callback."""
    attempt = await queries.by_payload(tx.conn, payload_id)
    if attempt is None:
        return "unknown_payload"  # not ours: answered 200 so Xaman stops retrying
    # Ask Xaman before the bout's lock is taken: a slow answer must not hold it.
    outcome = await service.ask_status(
        tx,
        signing,
        attempt=attempt,
        observed_status=None,
        observed_tx_hash=None,
        actor=Actor.system(),
    )
    done = await record(tx, attempt, outcome, Actor.system(), wait=True)
    return "recorded" if done.result == "recorded" else "unchanged"
