"""XRPL classic addresses, checked with xrpl-py (base58 + checksum)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from xrpl.core.addresscodec import is_valid_classic_address


def check_classic_address(value: str) -> str:
    if not is_valid_classic_address(value):
        raise ValueError("not a valid XRPL classic address (checksum verified)")
    return value


XrplAddress = Annotated[
    str,
    Field(min_length=25, max_length=35, examples=["rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"]),
    AfterValidator(check_classic_address),
]
