"""GuardedHttpProtocol under random heads, bodies, splits and pauses: a real uvicorn server in a
thread of this process, serving a small echo application over real sockets.

The head limit is exact whatever the reads look like: a head of at most `max_head_bytes` is
served, with its body intact, however the client splits it and its body into writes; one byte
more is a 431. A head that pauses past the idle wait, but ends before the head deadline, is still
served. Deadlines that run out are the live server's tests (tests/integration/test_http_limits.py).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from uvicorn.server import Server

from ringledger.serving.protocol import HttpLimits, LimitedConfig, _HeadWithBody
from tests.support.live import free_port
from tests.support.raw_http import connection, head, read_until_closed

pytestmark = pytest.mark.no_db

LIMITS = HttpLimits(max_head_bytes=2048, idle_timeout=1.0, head_timeout=2.5, body_timeout=2.5)
SHORTEST_HEAD = len(head("/echo", method="POST", Content_Length="0", Connection="close")) + 16
QUICK = settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers the size and digest of the request body."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = orjson.dumps({"size": len(body), "sha256": hashlib.sha256(body).hexdigest()})
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(answer)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    config = LimitedConfig(
        echo,
        limits=LIMITS,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        lifespan="off",
        ws="none",
        log_config=None,
        access_log=False,
    )
    uvicorn = Server(config)
    thread = threading.Thread(target=uvicorn.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    uvicorn.should_exit = True
    thread.join(10)


def request(size: int, body: bytes) -> bytes:
    return (
        head("/echo", method="POST", size=size, Content_Length=str(len(body)), Connection="close")
        + body
    )


def send_split(base_url: str, data: bytes, cuts: list[int], pauses: list[float]) -> Any:
    """Write `data` in pieces cut at `cuts`, pausing between them; the answer."""
    bounds = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    with connection(base_url) as sock:
        for index, (start, end) in enumerate(itertools.pairwise(bounds)):
            if index:
                time.sleep(pauses[index % len(pauses)] if pauses else 0)
            try:
                sock.sendall(data[start:end])
            except OSError:
                break  # refused: the answer says why
        return read_until_closed(sock, within=10)


head_sizes = st.one_of(
    st.integers(LIMITS.max_head_bytes - 40, LIMITS.max_head_bytes + 40),
    st.integers(SHORTEST_HEAD, 4 * LIMITS.max_head_bytes),
)


@QUICK
@given(
    size=head_sizes,
    body=st.binary(max_size=3000),
    cuts=st.lists(st.integers(0, 20_000), max_size=6),
)
def test_the_head_limit_is_exact_however_the_request_is_split(
    server: str, size: int, body: bytes, cuts: list[int]
) -> None:
    answer = send_split(server, request(size, body), cuts, [0.002])
    if size <= LIMITS.max_head_bytes:
        assert answer.status == 200, answer.raw[:120]
        assert answer.json() == {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    else:
        assert answer.status == 431, answer.raw[:120]
        assert answer.json()["code"] == "request_header_fields_too_large"
    assert answer.closed


@QUICK
@given(
    sizes=st.lists(st.integers(SHORTEST_HEAD, LIMITS.max_head_bytes), min_size=2, max_size=5),
    cuts=st.lists(st.integers(0, 20_000), max_size=6),
)
def test_each_request_on_a_connection_gets_the_whole_limit(
    server: str, sizes: list[int], cuts: list[int]
) -> None:
    requests = [
        head("/echo", method="POST", size=size, Content_Length="1") + b"x" for size in sizes[:-1]
    ]
    requests.append(request(sizes[-1], b"x"))
    answer = send_split(server, b"".join(requests), cuts, [0.002])
    assert answer.raw.count(b"HTTP/1.1 200 OK") == len(sizes), answer.raw[:200]


@settings(deadline=None, max_examples=8)
@example(size=SHORTEST_HEAD + 100, cuts=[10, 40], pauses=[0.6])  # past the idle wait, for sure
@given(
    size=st.integers(SHORTEST_HEAD, LIMITS.max_head_bytes),
    cuts=st.lists(st.integers(1, 20_000), min_size=1, max_size=3),
    pauses=st.lists(st.sampled_from([0.0, 0.05, 0.6]), min_size=1, max_size=3),
)
def test_a_head_that_ends_before_its_deadline_is_served_across_pauses(
    server: str, size: int, cuts: list[int], pauses: list[float]
) -> None:
    # The pauses may pass the idle wait (1 s) but stay well inside the head deadline (2.5 s).
    assume(sum(pauses) * len(cuts) <= 1.2)
    answer = send_split(server, request(size, b"{}"), cuts, pauses)
    assert answer.status == 200, answer.raw[:120]


class _Recorded:
    """A transport that keeps what it was asked to write, one entry per write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


class _Cycle:
    response_started = False


class TestHeadWithBody:
    def test_the_head_leaves_with_the_first_part_of_the_body(self) -> None:
        transport, cycle = _Recorded(), _Cycle()
        sink = _HeadWithBody(transport, cycle)  # type: ignore[arg-type]
        sink.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # before the answer: at once
        cycle.response_started = True
        sink.write(b"HTTP/1.1 200 OK\r\n\r\n")
        assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
        sink.write(b"first")
        sink.write(b"second")
        assert transport.writes[1:] == [b"HTTP/1.1 200 OK\r\n\r\nfirst", b"second"]

    def test_a_head_without_a_body_leaves_on_flush_or_close(self) -> None:
        transport, cycle = _Recorded(), _Cycle()
        sink = _HeadWithBody(transport, cycle)  # type: ignore[arg-type]
        cycle.response_started = True
        sink.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        sink.flush()
        sink.flush()
        assert transport.writes == [b"HTTP/1.1 204 No Content\r\n\r\n"]
        other = _HeadWithBody(transport, cycle)  # type: ignore[arg-type]
        other.write(b"HTTP/1.1 200 OK\r\n\r\n")
        other.close()
        assert transport.writes[-1] == b"HTTP/1.1 200 OK\r\n\r\n" and transport.closed


def read_head(sock: Any, *, within: float) -> bytes:
    """What the server sends until the end of one answer's head."""
    sock.settimeout(within)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, received
        received += chunk
    return received


def test_an_answer_to_head_arrives_on_a_connection_kept_open(server: str) -> None:
    # uvicorn writes no body for HEAD: the head must leave when the answer ends.
    with connection(server) as sock:
        for _ in range(2):
            sock.sendall(head("/echo", method="HEAD"))
            answer = read_head(sock, within=2)
            assert answer.startswith(b"HTTP/1.1 200 OK"), answer


def test_100_continue_comes_before_the_body_is_sent(server: str) -> None:
    with connection(server) as sock:
        sock.sendall(
            head(
                "/echo",
                method="POST",
                Content_Length="2",
                Expect="100-continue",
                Connection="close",
            )
        )
        assert read_head(sock, within=2).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"{}")
        answer = read_until_closed(sock, within=5)
        assert answer.status == 200 and answer.json()["size"] == 2
