"""XRPL classic addresses, checked with xrpl-py (base58 + checksum)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from xrpl.core.addresscodec import is_valid_classic_address

# The XRPL docs' example address; a public account identifier, not a secret.
EXAMPLE_ADDRESS = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"  # pragma: allowlist secret


def check_classic_address(value: str) -> str:
    if not is_valid_classic_address(value):
        raise ValueError("not a valid XRPL classic address (checksum verified)")
    return value


XrplAddress = Annotated[
    str,
    Field(min_length=25, max_length=35, examples=[EXAMPLE_ADDRESS]),
    AfterValidator(check_classic_address),
]
