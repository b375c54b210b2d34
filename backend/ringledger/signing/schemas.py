"""A sign request as the API answers it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class SignRequestOut(BaseModel):
    payload_id: str
    deep_link_url: str
    qr_png_url: str
    websocket_status_url: str
    expires_at: str
    mode: Literal["stub", "api"]
