"""Bodies of the token routes: the tokens bouts may use and a fighter's trust lines."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from ringledger.signing.schemas import SignRequestOut


class AllowedTokenOut(BaseModel):
    label: str
    currency: str = Field(description="Three characters, or 40 hexadecimal digits.")
    issuer: str


class TrustLineOut(BaseModel):
    label: str
    currency: str
    issuer: str
    bout_ids: list[uuid.UUID] = Field(
        description="The fighter's bouts in this token that are neither closed nor withdrawn."
    )
    ready: bool | None = Field(
        description="Whether the account those bouts pay can receive what they still owe "
        "(read from the ledger); null in stub mode."
    )
    reason: str | None = Field(description="What is missing, and who must fix it.")


class TrustLineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: StrictStr = Field(max_length=32, description="A label from GET /tokens.")


class TrustLineRequestOut(BaseModel):
    unsigned_tx: dict[str, Any] = Field(
        description="A TrustSet from the fighter's profile address for the token."
    )
    xaman_sign_request: SignRequestOut
