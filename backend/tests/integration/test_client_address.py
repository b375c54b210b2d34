"""The client address the login throttle counts: the TCP peer, unless the operator lists the
proxy in front of the service (RINGLEDGER_TRUSTED_PROXIES); whatever a header says, never a 5xx,
and every failure is counted."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import URL
from starlette.requests import HTTPConnection

from ringledger.core.client import client_address
from tests.support import db_state
from tests.support.api import PASSWORD, Api
from tests.support.live import live_server

# 78 characters: longer than any IP address, and longer than the column the address goes into.
LONG_HEADER = "203.0.113.7, " + "x" * 65


@pytest.fixture(scope="module")
def direct(database: URL, data_dir: Path) -> Iterator[str]:
    """The service with nothing in front of it (the default: no proxy trusted)."""
    with live_server(database, data_dir, workers=1) as url:
        yield url


@pytest.fixture(scope="module")
def proxied(database: URL, data_dir: Path) -> Iterator[str]:
    """The service behind a proxy the operator listed (the tests' own 127.0.0.1)."""
    with live_server(database, data_dir, workers=1, RINGLEDGER_TRUSTED_PROXIES="127.0.0.1") as url:
        yield url


def failures(database: URL, email: str) -> list[str]:
    found = db_state.rows(database, "SELECT client FROM login_failures WHERE email = %s", email)
    return [row["client"] for row in found]


def login(base_url: str, email: str, password: str, forwarded: str | None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return httpx.post(
        f"{base_url}/auth/login", json={"email": email, "password": password}, headers=headers
    )


@pytest.mark.parametrize(
    "forwarded",
    [LONG_HEADER, "not an address", "198.51.100.9", "", ", ".join(["1.2.3.4", "::1"] * 40)],
)
def test_a_forwarded_header_from_an_untrusted_peer_changes_nothing(
    direct: str, database: URL, forwarded: str
) -> None:
    account = Api(httpx.Client(base_url=direct)).register("promoter")
    answers = [login(direct, account.email, "wrong password", forwarded) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [401] * 5
    assert failures(database, account.email) == ["127.0.0.1"] * 5
    # The right password is refused too: the five failures were counted.
    blocked = login(direct, account.email, PASSWORD, forwarded)
    assert blocked.status_code == 429, blocked.text


def test_a_listed_proxy_names_the_client_and_a_bad_name_is_not_stored(
    proxied: str, database: URL
) -> None:
    account = Api(httpx.Client(base_url=proxied)).register("promoter")
    assert login(proxied, account.email, "wrong", "198.51.100.9").status_code == 401
    assert login(proxied, account.email, "wrong", "2001:DB8:0:0::1").status_code == 401
    assert login(proxied, account.email, "wrong", LONG_HEADER).status_code == 401
    assert login(proxied, account.email, "wrong", "x" * 300).status_code == 401
    assert failures(database, account.email) == [
        "198.51.100.9",
        "2001:db8::/64",
        "unknown",
        "unknown",
    ]
    assert login(proxied, account.email, "wrong", "198.51.100.9").status_code == 401
    blocked = login(proxied, account.email, PASSWORD, "203.0.113.50")
    assert blocked.status_code == 429, blocked.text


def test_one_address_is_one_client_however_it_is_spelt(proxied: str, database: URL) -> None:
    """An IPv6 zone id makes the text as long as the sender likes (a 500 on the 64-character
    column before), and an IPv4-mapped IPv6 address is the IPv4 client."""
    account = Api(httpx.Client(base_url=proxied)).register("promoter")
    assert login(proxied, account.email, "wrong", "fe80::1%" + "a" * 80).status_code == 401
    assert login(proxied, account.email, "wrong", "fe80::1%eth0").status_code == 401
    assert login(proxied, account.email, "wrong", "::ffff:198.51.100.9").status_code == 401
    assert failures(database, account.email) == ["fe80::/64", "fe80::/64", "198.51.100.9"]


def test_an_ipv6_client_is_its_64_network(proxied: str, database: URL) -> None:
    """Anyone with a /64 has 2^64 addresses: each must not be a fresh throttle budget."""
    account = Api(httpx.Client(base_url=proxied)).register("promoter")
    for address in ("2001:db8:7:8::1", "2001:db8:7:8:ffff:ffff:ffff:ffff", "2001:db8:7:9::1"):
        assert login(proxied, account.email, "wrong", address).status_code == 401
    assert failures(database, account.email) == [
        "2001:db8:7:8::/64",
        "2001:db8:7:8::/64",
        "2001:db8:7:9::/64",
    ]


def _client_of(host: str) -> str:
    return client_address(HTTPConnection({"type": "http", "client": (host, 50_000)}))


@pytest.mark.no_db
@given(st.ip_addresses(v=6), st.ip_addresses(v=6))
def test_two_ipv6_addresses_are_one_client_exactly_when_they_share_their_64(
    first: ipaddress.IPv6Address, second: ipaddress.IPv6Address
) -> None:
    if first.ipv4_mapped is not None or second.ipv4_mapped is not None:
        return  # an IPv4 client in IPv6 clothing: counted as that IPv4 address
    same_network = int(first) >> 64 == int(second) >> 64
    assert (_client_of(str(first)) == _client_of(str(second))) == same_network
    assert len(_client_of(str(first))) <= 45
