"""A real `ringledger serve` (one worker, as an instance facing clients directly) against heads
and bodies that are too large, too slow or never come, over raw sockets.

The server runs with short deadlines (idle, head and body 1 s each) so that each case takes a
second or two; every bound below is generous: the assertions are about what happens (431, 408, a
closed connection), not how fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.support.live import live_server
from tests.support.raw_http import (
    connection,
    drip,
    head,
    read_until_closed,
    send_in_background,
)

LIMITS = {
    "RINGLEDGER_HTTP_KEEP_ALIVE": "1",
    "RINGLEDGER_HTTP_HEAD_TIMEOUT": "1",
    "RINGLEDGER_HTTP_BODY_TIMEOUT": "1",
}
MAX_HEAD = 16 * 1024


@pytest.fixture(scope="module")
def server(database: URL, data_dir: Path) -> Iterator[str]:
    with live_server(database, data_dir, workers=1, **LIMITS) as base_url:
        yield base_url


class TestHeadLimit:
    def test_a_20_kib_head_is_refused_with_431(self, server: str) -> None:
        with connection(server) as sock:
            sock.sendall(head(size=20 * 1024))
            answer = read_until_closed(sock, within=10)
        assert answer.status == 431, answer.raw[:200]
        assert answer.json()["code"] == "request_header_fields_too_large"
        assert answer.closed

    def test_a_head_of_megabytes_is_refused_at_once_and_healthz_stays_fast(
        self, server: str
    ) -> None:
        healthz: list[float] = []
        stop = threading.Event()

        def probe() -> None:
            with httpx.Client(base_url=server, timeout=30) as http:
                while not stop.is_set():
                    started = time.monotonic()
                    assert http.get("/healthz").status_code == 200
                    healthz.append(time.monotonic() - started)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        while not healthz and prober.is_alive():
            time.sleep(0.01)
        with connection(server) as sock:
            sender = send_in_background(sock, head(size=16 * 2**20))
            answer = read_until_closed(sock, within=30)
            sender.join(30)  # the server reads the rest without parsing it; probes go on
        probed = len(healthz)
        stop.set()
        prober.join(30)
        assert answer.status == 431, answer.raw[:200]
        assert answer.seconds < 5
        assert probed > 1 and max(healthz) < 1.0, healthz

    def test_a_head_at_the_limit_is_served(self, server: str) -> None:
        with connection(server) as sock:
            sock.sendall(head(size=MAX_HEAD, Connection="close"))
            answer = read_until_closed(sock, within=10)
        assert answer.status == 200, answer.raw[:200]

    def test_answers_name_no_server_software(self, server: str) -> None:
        response = httpx.get(f"{server}/healthz")
        assert "server" not in response.headers
        with connection(server) as sock:
            sock.sendall(head(size=MAX_HEAD + 1))
            assert "server" not in read_until_closed(sock, within=10).headers


class TestDeadlines:
    def test_a_connection_that_sends_nothing_is_closed(self, server: str) -> None:
        with connection(server) as sock:
            answer = read_until_closed(sock, within=15)
        assert answer.closed and answer.raw == b""

    def test_an_idle_keep_alive_connection_is_closed_after_its_answers(self, server: str) -> None:
        with connection(server) as sock:
            sock.sendall(head() * 2)
            answer = read_until_closed(sock, within=15)
        assert answer.raw.count(b"HTTP/1.1 200 OK") == 2
        assert answer.closed

    def test_a_head_that_trickles_in_gets_408(self, server: str) -> None:
        with connection(server) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: ringledger.test\r\n")
            drip(sock, [b"X-Slow: yes\r\n"] * 60, pause=0.2)
            answer = read_until_closed(sock, within=15)
        assert answer.status == 408, answer.raw[:200]
        assert answer.json()["code"] == "request_timeout"
        assert answer.closed

    def test_a_body_that_trickles_in_gets_408(self, server: str) -> None:
        body = b'{"email": "slow@example.com", "password": "a slow password"}'  # pragma: allowlist secret
        with connection(server) as sock:
            sock.sendall(
                head(
                    "/auth/login",
                    method="POST",
                    Content_Type="application/json",
                    Content_Length=str(len(body)),
                )
            )
            drip(sock, [bytes([byte]) for byte in body], pause=0.2)
            answer = read_until_closed(sock, within=15)
        assert answer.status == 408, answer.raw[:200]
        assert answer.json()["code"] == "request_timeout"
        assert answer.closed

    def test_the_refusals_are_counted(self, server: str) -> None:
        with connection(server) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
            read_until_closed(sock, within=15)
        metrics = httpx.get(f"{server}/metrics").text
        assert 'ringledger_http_errors_total{code="request_timeout",route="unmatched"}' in metrics
