"""Valid XRPL classic addresses for tests, made with xrpl-py's codec."""

from __future__ import annotations

import os

import base58
from xrpl.core.addresscodec import encode_classic_address


def new_address() -> str:
    return str(encode_classic_address(os.urandom(20)))


def address_with_payload(payload: bytes) -> str:
    """Base58Check with the classic version byte (0) and a valid checksum around any number of
    bytes: an address only when there are exactly 20 (xrpl-py's encoder refuses the others)."""
    return base58.b58encode_check(b"\x00" + payload, alphabet=base58.XRP_ALPHABET).decode()
