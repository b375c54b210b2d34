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
    # An IPv6 zone (`fe80::1%eth0`) names a local interface, not a client: without it every
    # spelling of one address is one client, and the text stays short.
    try:
        address = ipaddress.ip_address(host.strip().split("%", 1)[0])
    except ValueError:
        return UNKNOWN_CLIENT
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:198.51.100.9 is 198.51.100.9
    return address.compressed
