"""PREIMAGE-SHA-256 crypto-conditions in the DER form the XRPL requires
(docs/xrpl-and-xaman.md#crypto-conditions-preimage-sha-256).

Condition   = A0 25 80 20 <sha256(preimage)> 81 01 <len(preimage)>
Fulfillment = A0 22 80 20 <preimage>
(crypto-conditions draft, type 0; the ledger rejects a bare SHA-256 with temMALFORMED.)
"""

from __future__ import annotations

import hashlib
import secrets

PREIMAGE_BYTES = 32
_CONDITION_PREFIX = bytes.fromhex("A0258020")
_FULFILLMENT_PREFIX = bytes.fromhex("A0228020")


def new_preimage() -> bytes:
    return secrets.token_bytes(PREIMAGE_BYTES)


def condition_for(preimage: bytes) -> bytes:
    _require_preimage(preimage)
    return (
        _CONDITION_PREFIX + hashlib.sha256(preimage).digest() + bytes([0x81, 0x01, len(preimage)])
    )


def fulfillment_for(preimage: bytes) -> bytes:
    _require_preimage(preimage)
    return _FULFILLMENT_PREFIX + preimage


def condition_hex(preimage: bytes) -> str:
    return condition_for(preimage).hex().upper()


def fulfillment_hex(preimage: bytes) -> str:
    return fulfillment_for(preimage).hex().upper()


def _require_preimage(preimage: bytes) -> None:
    # The fixed DER lengths above hold for a 32-byte preimage only.
    if len(preimage) != PREIMAGE_BYTES:
        raise ValueError(f"a preimage has exactly {PREIMAGE_BYTES} bytes")
