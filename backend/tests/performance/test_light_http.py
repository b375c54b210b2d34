"""The load generator's HTTP client: response parsing on bytes fed through a stream, the request
bytes it writes, and its connection rules against a tiny loopback server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from tests.performance.light_http import (
    ConnectionLost,
    HttpConnection,
    ProtocolError,
    Response,
    encode_request,
    read_response,
)

pytestmark = pytest.mark.no_db


def parse(*pieces: bytes, method: str = "GET", eof: bool = True) -> Response:
    """Feed `pieces` to a stream one by one (as separate reads would deliver them), then parse."""

    async def scenario() -> Response:
        reader = asyncio.StreamReader()
        pending = asyncio.create_task(read_response(reader, method=method))
        for piece in pieces:
            reader.feed_data(piece)
            await asyncio.sleep(0)
        if eof:
            reader.feed_eof()
        return await pending

    return asyncio.run(scenario())


def test_body_by_content_length_and_headers_by_lower_case_name() -> None:
    response = parse(
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b"content-length: 11\r\nIdempotent-Replayed: true\r\n\r\n",
        b'{"a": [1]}\n',
        b"HTTP/1.1 200 OK\r\n",  # the next response on the connection stays unread
    )
    assert response.status == 201
    assert response.headers["idempotent-replayed"] == "true"
    assert response.json() == {"a": [1]}
    assert response.keep_alive


def test_a_head_and_body_split_across_many_reads() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello"
    assert parse(*(raw[i : i + 3] for i in range(0, len(raw), 3))).body == b"hello"


def test_chunked_body_with_extensions_and_trailers() -> None:
    response = parse(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"4;name=value\r\nWiki\r\n",
        b"5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n",
        b"0\r\nX-Trailer: yes\r\n\r\n",
    )
    assert response.body == b"Wikipedia in\r\n\r\nchunks."


def test_interim_answers_are_skipped() -> None:
    response = parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert (response.status, response.body) == (200, b"ok")


def test_no_body_for_204_and_for_head_requests() -> None:
    assert parse(b"HTTP/1.1 204 No Content\r\n\r\n", eof=False).body == b""
    head = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", method="HEAD", eof=False)
    assert head.body == b""


def test_a_body_without_length_runs_to_the_end_of_the_connection() -> None:
    response = parse(b"HTTP/1.0 200 OK\r\n\r\nall of ", b"it")
    assert response.body == b"all of it"
    assert not response.keep_alive


def test_repeated_fields_are_joined_and_connection_close_is_seen() -> None:
    response = parse(
        b"HTTP/1.1 200 OK\r\nVary: a\r\nVary: b\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    assert response.headers["vary"] == "a, b"
    assert not response.keep_alive


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-",
        b"",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ],
)
def test_a_stream_that_ends_early_is_a_lost_connection(raw: bytes) -> None:
    with pytest.raises(ConnectionLost):
        parse(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"SPDY/3 200 OK\r\n\r\n",
        b"HTTP/1.1 2xx OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nName : value\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_malformed_answers_are_protocol_errors(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse(raw)


def test_request_bytes() -> None:
    raw = encode_request(
        "POST",
        "/bouts/1/escrows/confirm",
        host="127.0.0.1:8000",
        headers=[("Content-Type", "application/json"), ("Idempotency-Key", "k1")],
        body=b'{"x":1}',
    )
    assert raw == (
        b"POST /bouts/1/escrows/confirm HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
        b"Content-Type: application/json\r\nIdempotency-Key: k1\r\nContent-Length: 7\r\n\r\n"
        b'{"x":1}'
    )
    assert encode_request("POST", "/p", host="h").endswith(b"Content-Length: 0\r\n\r\n")
    assert b"Content-Length" not in encode_request("GET", "/p", host="h")


def test_no_header_injection() -> None:
    with pytest.raises(ValueError, match="CR or LF"):
        encode_request("GET", "/", host="h", headers=[("Authorization", "Bearer x\r\nX-Evil: 1")])


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _serve(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def _next_head(reader: asyncio.StreamReader) -> bytes:
    """The next request head, or b"" once the client closed the connection."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return b""


async def _answer(writer: asyncio.StreamWriter, body: bytes) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


async def _until_server_closed(http: HttpConnection) -> None:
    """Return once the connection has read the server's FIN (its stream is at its end)."""
    reader = http._reader
    assert reader is not None, "no connection is open"
    async with asyncio.timeout(5):
        # A StreamReader has no event for its end: look again after each short turn of the loop.
        while not reader.at_eof():  # noqa: ASYNC110
            await asyncio.sleep(0.001)


def test_one_connection_carries_many_requests() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await _next_head(reader):
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            await _answer(writer, await reader.readexactly(length))

    async def scenario() -> None:
        server, url = await _serve(handler)
        async with server, HttpConnection(url) as http:
            for number in range(3):
                response = await http.request("POST", "/echo", json={"n": number}, token="t")
                assert response.json() == {"n": number}
            assert http.connects == 1

    asyncio.run(scenario())


def test_a_connection_the_server_closed_while_idle_is_replaced_before_writing() -> None:
    requests: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await _next_head(reader))
        await _answer(writer, b"{}")
        writer.close()  # an idle timeout, without a Connection: close field

    async def scenario() -> None:
        server, url = await _serve(handler)
        async with server, HttpConnection(url) as http:
            await http.request("GET", "/a")
            await _until_server_closed(http)  # the FIN arrives while the connection is idle
            await http.request("GET", "/b")
            assert http.connects == 2

    asyncio.run(scenario())
    assert [request.split(b" ")[1] for request in requests] == [b"/a", b"/b"]


def test_a_connection_idle_past_the_limit_is_replaced() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await _next_head(reader):
            await _answer(writer, b"{}")

    async def scenario() -> None:
        server, url = await _serve(handler)
        async with server, HttpConnection(url, idle_limit=0.01) as http:
            await http.request("GET", "/a")
            await asyncio.sleep(0.05)
            await http.request("GET", "/b")
            assert http.connects == 2

    asyncio.run(scenario())


def test_a_written_request_is_never_sent_twice() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await _next_head(reader))
        writer.close()  # the server goes away before answering

    async def scenario() -> None:
        server, url = await _serve(handler)
        async with server, HttpConnection(url) as http:
            with pytest.raises(ConnectionLost):
                await http.request("POST", "/bouts/1/payouts/confirm", idempotency_key="k")
            assert http.connects == 1

    asyncio.run(scenario())
    assert len(seen) == 1
