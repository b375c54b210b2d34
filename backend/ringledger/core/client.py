"""Who is calling: the client's IP address as the throttles count it."""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

# A peer without an IP address (a Unix socket, an in-process test client), or one a trusted
# proxy named with something that is not an address.
UNKNOWN_CLIENT = "unknown"


# One IPv6 client is a /64: a single subscriber, host or virtual machine is routinely given a
# whole /64 (RFC 6177; RFC 7421 on the 64-bit interface identifier), so counting its addresses
# one by one would give it 2^64 fresh throttle budgets.
IPV6_CLIENT_PREFIX = 64


def client_address(connection: HTTPConnection) -> str:
    """The client as the throttles count it: an IPv4 address, or the /64 network of an IPv6
    one (`2001:db8:1:2::/64`), in canonical text; `unknown` when there is none. Never longer
    than 45 characters.

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
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped.compressed  # ::ffff:198.51.100.9 is 198.51.100.9
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        return network.compressed
    return address.compressed
