from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from ringledger.core.xrpl_address import XrplAddress


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str = Field(min_length=1, max_length=100)
    xrpl_address: XrplAddress


class ProfileOut(BaseModel):
    user_id: uuid.UUID
    display_name: str
    xrpl_address: str


class FighterOut(ProfileOut):
    email: str
