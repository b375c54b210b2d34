"""POST /webhooks/xaman."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request
from pydantic import BaseModel

from ringledger.core.deps import TxDep, settings_of
from ringledger.core.json_body import api_router
from ringledger.core.openapi import errors
from ringledger.signing import webhook
from ringledger.signing.deps import recorder_of, signing_of
from ringledger.signing.webhook import WebhookResult

router = api_router(tags=["webhooks"])


class WebhookOut(BaseModel):
    result: WebhookResult


@router.post("/webhooks/xaman", operation_id="xamanWebhook", responses=errors(400, 401, 502))
async def xaman_webhook(
    request: Request,
    tx: TxDep,
    x_xumm_request_timestamp: Annotated[str | None, Header()] = None,
    x_xumm_request_signature: Annotated[str | None, Header()] = None,
) -> WebhookOut:
    """Xaman's callback when a payload resolves: verified, then reconciled (no lifecycle move)."""
    body = await request.body()
    settings = settings_of(request)
    secret = settings.XAMAN_API_SECRET.get_secret_value() if settings.XAMAN_API_SECRET else None
    webhook.authenticate(
        secret=secret if settings.XAMAN_MODE == "api" else None,
        timestamp=x_xumm_request_timestamp,
        signature=x_xumm_request_signature,
        body=body,
    )
    result = await webhook.handle(
        tx, signing_of(request), recorder_of(request), payload_id=webhook.payload_id_of(body)
    )
    return WebhookOut(result=result)
