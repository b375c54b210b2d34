"""XRPL classic addresses: base58 with a verified checksum, naming a 20-byte account.

xrpl-py's `is_valid_classic_address` checks the version byte and the checksum but not the length
of what they wrap: a 19- or 21-byte payload with a valid checksum passes it, and so does a
32-byte one (50 characters, too long for any column). The ledger's AccountID is exactly 160
bits (XRPL docs, "Addresses"), and an EscrowCreate whose Destination is anything else is
refused there — after the promoter signed it. So every address the service accepts goes
through `is_account_address`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from xrpl.core.addresscodec import XRPLAddressCodecException, decode_classic_address

# The XRPL docs' example address; a public account identifier, not a secret.
EXAMPLE_ADDRESS = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"  # pragma: allowlist secret
ACCOUNT_ID_BYTES = 20
# What 20 bytes with the version byte and checksum encode to in base58.
MIN_LENGTH, MAX_LENGTH = 25, 35


def is_account_address(value: str) -> bool:
    """A classic address (checksum verified) whose payload is a 20-byte AccountID."""
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        return False
    try:
        return len(decode_classic_address(value)) == ACCOUNT_ID_BYTES
    except (XRPLAddressCodecException, ValueError):
        return False


def check_classic_address(value: str) -> str:
    if not is_account_address(value):
        raise ValueError("not a valid XRPL classic address (checksum and 20-byte account)")
    return value


XrplAddress = Annotated[
    str,
    Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH, examples=[EXAMPLE_ADDRESS]),
    AfterValidator(check_classic_address),
]
