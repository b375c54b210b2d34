"""Who is calling: the client's IP address as the throttles count it."""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

# A peer without an IP address (a Unix socket, an in-process test client), or one a trusted
# proxy named with something that is not an address.
UNKNOWN_CLIENT = "unknown"


def client_address(connection: HTTPConnection) -> str:
    """The client's IP address in canonical text form, or `unknown`; never longer than 45.

    The peer is the TCP peer unless a proxy listed in RINGLEDGER_TRUSTED_PROXIES forwarded the
    request (uvicorn then puts the address it names here, unchecked): the value is parsed, not
    trusted, so a forged header can neither overflow a column nor dodge the throttle's count.
    """
    host = connection.client.host if connection.client else ""
    try:
        return ipaddress.ip_address(host.strip()).compressed
    except ValueError:
        return UNKNOWN_CLIENT
