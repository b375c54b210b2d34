"""Valid XRPL classic addresses for tests, made with xrpl-py's codec."""

from __future__ import annotations

import os

from xrpl.core.addresscodec import encode_classic_address


def new_address() -> str:
    return str(encode_classic_address(os.urandom(20)))
