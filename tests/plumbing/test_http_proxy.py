"""The proxying rules both hops share (RFC 9110 section 7.6.1, Connection-specific fields)."""

import threading

import httpx
import pytest

from harness.data_plane.alb.app import forwarded_headers
from harness.plumbing.http_proxy import (
    UpstreamPool,
    end_to_end,
    has_body,
    hop_by_hop,
    request_body,
)
from harness.plumbing.servers import ServerThread

NAMED_BY_CONNECTION = [
    ("connection", "keep-alive, X-Session-Hint"),
    ("x-session-hint", "secret"),
    ("te", "trailers"),
    ("x-kept", "1"),
]


def test_the_fields_connection_names_are_hop_by_hop_too():
    assert {"x-session-hint", "keep-alive", "connection", "te"} <= hop_by_hop(NAMED_BY_CONNECTION)
    assert end_to_end(NAMED_BY_CONNECTION) == [("x-kept", "1")]


def test_end_to_end_keeps_byte_headers_as_bytes():
    raw = [(name.encode(), value.encode()) for name, value in NAMED_BY_CONNECTION]
    assert end_to_end(raw) == [(b"x-kept", b"1")]


def test_the_alb_drops_what_connection_names():
    scope = {"headers": [(n.encode(), v.encode()) for n, v in NAMED_BY_CONNECTION]}
    sent = dict(forwarded_headers(scope, 80))
    assert b"x-session-hint" not in sent and sent[b"x-kept"] == b"1"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("content-length", "0")], False),
        ([("content-length", "12")], True),
        ([(b"transfer-encoding", b"chunked")], True),
        ([("host", "x")], False),
    ],
)
def test_has_body(headers, expected):
    assert has_body(headers) is expected


def test_request_body_streams_until_the_last_chunk_or_a_disconnect(run_on_own_loop):
    async def collect(messages):
        queue = list(messages)

        async def receive():
            return queue.pop(0)

        return [chunk async for chunk in request_body(receive)]

    chunks = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"c", "more_body": False},
    ]
    assert run_on_own_loop(collect(chunks)) == [b"ab", b"c"]
    gone = [{"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.disconnect"}]
    assert run_on_own_loop(collect(gone)) == [b"ab"]


def test_the_pool_opens_and_closes_on_the_servers_own_loop():
    pool = UpstreamPool("test", httpx.Limits(max_connections=1))
    loops: list[tuple[str, int]] = []
    original_open, original_close = pool.open, pool.close

    async def open_():
        loops.append(("open", threading.get_ident()))
        await original_open()

    async def close():
        loops.append(("close", threading.get_ident()))
        await original_close()

    pool.open, pool.close = open_, close

    async def app(scope, receive, send):
        loops.append(("request", threading.get_ident()))
        assert pool.client is not None
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    server = ServerThread(pool.serve(app), name="pool-test", lifespan="on").start()
    try:
        assert httpx.get(server.url, trust_env=False).status_code == 204
    finally:
        server.stop()
    assert [event for event, _ in loops] == ["open", "request", "close"]
    assert len({thread for _, thread in loops}) == 1
    assert threading.get_ident() not in {thread for _, thread in loops}
    with pytest.raises(RuntimeError, match="not open"):
        _ = pool.client
