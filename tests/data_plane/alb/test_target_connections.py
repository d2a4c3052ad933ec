"""The ALB's connections to its targets: kept alive between requests, closed once idle for
longer than the stack clock allows, and every kind of HTTP/1.1 exchange carried whole.

[connection-idle-timeout] (Application Load Balancers user guide, "Connection idle timeout",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout):
"The back-end connection is between the load balancer and a target ... If no data has been sent
or received by the time that the idle timeout period elapses, the load balancer closes the
connection." The tasks keep their own keep-alive on the stack clock (libfaketime), so after an
advance a connection the ALB kept would be one the task has closed: a 502 AWS never gives.

[load-balancer-troubleshooting] (Troubleshoot your Application Load Balancers, "HTTP 502: Bad
gateway",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#http-502-issues):
"The target closed the connection with a TCP RST or a TCP FIN while the load balancer had an
outstanding request to the target. Check whether the keep-alive duration of the target is
shorter than the idle timeout value of the load balancer."
"""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from harness.clock import clock
from harness.data_plane.alb import LoadBalancer
from harness.plumbing.waiting import wait_until

PATIENCE = 60


@pytest.fixture
def healthy_alb(endpoints, make_target_group, elbv2):
    """An ALB whose one target, `server`, has passed its first health check."""
    started: list[LoadBalancer] = []

    def start(server, **group_settings) -> LoadBalancer:
        arn = make_target_group(**group_settings)
        target = {"Id": server.host, "Port": server.port}
        elbv2.register_targets(TargetGroupArn=arn, Targets=[target])
        started.append(LoadBalancer(endpoints, arn).start())
        alb = started[-1]
        wait_until(lambda: alb.healthy_count() == 1, what="target healthy", timeout=PATIENCE)
        return alb

    yield start
    for alb in started:
        alb.stop()


def test_a_kept_connection_is_not_reused_once_the_stack_clock_passes_the_idle_timeout(
    stack_clock, healthy_alb, target_server
):
    alb = healthy_alb(target_server("kept"))
    with httpx.Client(base_url=alb.url, trust_env=False) as client:

        def peer() -> str:
            response = client.get("/api/echo")
            assert response.status_code == 200
            return response.json()["peer"]

        # Several in a row: on a loaded machine two requests can lie more than the ALB's real
        # keep-alive apart, but not all of them.
        before = [peer() for _ in range(5)]
        stack_clock.advance(60)  # AWS's default idle timeout
        after_the_advance = peer()
        next_one = peer()

    assert len(set(before)) < len(before), f"no connection kept alive: {before}"
    assert after_the_advance != before[-1]
    # A task sees the move up to a second late and then closes what was opened meanwhile:
    # for a few seconds after a move the ALB keeps no connection.
    assert next_one != after_the_advance


class ShortKeepAliveTarget:
    """A target that closes a connection once it has been idle for longer than `keep_alive`
    seconds on the stack clock, when the next request arrives on it: the moment its keep-alive
    timer fires just as the ALB reuses the connection, which on AWS is a matter of luck."""

    def __init__(self, keep_alive: float) -> None:
        self.keep_alive = keep_alive
        self.closed_on_a_request = 0
        self.requests_per_connection: list[int] = []  # health checks not counted
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = self._sock.getsockname()[:2]
        self._connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # stopped
                return
            self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        idle_since, pending, requests = None, b"", None
        with conn:
            while data := _recv(conn):
                if idle_since is not None and clock.monotonic() - idle_since > self.keep_alive:
                    self.closed_on_a_request += 1
                    return
                pending += data
                while b"\r\n\r\n" in pending:  # GETs only: no body to read
                    head, _, pending = pending.partition(b"\r\n\r\n")
                    if not head.startswith(b"GET /api/health "):
                        if requests is None:
                            requests = len(self.requests_per_connection)
                            self.requests_per_connection.append(0)
                        self.requests_per_connection[requests] += 1
                    # Read before the answer goes out: the test may move the clock as soon
                    # as it has the answer, before this thread runs again.
                    idle_since = clock.monotonic()
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

    def stop(self) -> None:
        self._sock.close()
        for conn in self._connections:
            conn.close()


def _recv(conn: socket.socket) -> bytes:
    try:
        return conn.recv(65536)
    except OSError:
        return b""


@pytest.fixture
def short_keep_alive_target():
    started: list[ShortKeepAliveTarget] = []

    def start(keep_alive: float) -> ShortKeepAliveTarget:
        started.append(ShortKeepAliveTarget(keep_alive))
        return started[-1]

    yield start
    for target in started:
        target.stop()


@pytest.mark.parametrize(("keep_alive", "idle"), [(1, 2), (5, 30)])
def test_a_target_whose_keep_alive_is_shorter_than_the_idle_timeout_gets_a_502(
    stack_clock, healthy_alb, short_keep_alive_target, keep_alive, idle
):
    """The ALB keeps an idle connection up to its idle timeout (60 s by default), not less: a
    target that closes sooner meets a request on a connection it is closing."""
    target = short_keep_alive_target(keep_alive)
    alb = healthy_alb(target)
    with httpx.Client(base_url=alb.url, trust_env=False) as client:
        first = client.get("/api/anime")
        stack_clock.advance(idle)
        on_the_closed_connection = client.get("/api/anime")
        next_one = client.get("/api/anime")

    assert first.status_code == 200
    assert on_the_closed_connection.status_code == 502
    assert "502 Bad Gateway" in on_the_closed_connection.text
    assert target.closed_on_a_request == 1
    assert next_one.status_code == 200  # on a new connection


def test_a_target_keeping_connections_longer_than_the_idle_timeout_gets_no_502(
    stack_clock, healthy_alb, short_keep_alive_target
):
    """AWS's advice: a target keep-alive longer than the idle timeout (the API keeps 65 s)."""
    target = short_keep_alive_target(65)
    alb = healthy_alb(target)
    with httpx.Client(base_url=alb.url, trust_env=False) as client:
        first = client.get("/api/anime")
        stack_clock.advance(50)  # 10 s short of the idle timeout: room for a slow machine
        after_50_s = client.get("/api/anime")

    assert (first.status_code, after_50_s.status_code) == (200, 200)
    assert target.closed_on_a_request == 0
    assert target.requests_per_connection == [2]  # kept idle for 50 s, then reused


def test_the_alb_closes_an_idle_connection_at_its_own_idle_timeout(
    stack_clock, healthy_alb, short_keep_alive_target
):
    """With `idle_timeout.timeout_seconds` at 10, a connection idle for 15 s is not reused, so
    a target that would close it after 12 s never sees a request on it."""
    target = short_keep_alive_target(12)
    alb = healthy_alb(target, idle_timeout=10)
    with httpx.Client(base_url=alb.url, trust_env=False) as client:
        first = client.get("/api/anime")
        stack_clock.advance(15)
        after_15_s = client.get("/api/anime")

    assert (first.status_code, after_15_s.status_code) == (200, 200)
    assert target.closed_on_a_request == 0
    assert target.requests_per_connection == [1, 1]


def test_a_chunked_upload_a_head_and_an_http_1_0_request_pass_whole(healthy_alb, target_server):
    alb = healthy_alb(target_server("http"))
    with httpx.Client(base_url=alb.url, trust_env=False) as client:
        chunked = client.post("/api/echo", content=iter([b"hel", b"lo ", b"chunks"]))
        head = client.head("/api/health")
        after_head = client.get("/api/health")
    http10 = _raw(alb, b"GET /api/health HTTP/1.0\r\n\r\n")

    assert chunked.status_code == 200
    assert chunked.json()["body"] == "hello chunks"
    assert chunked.json()["headers"]["transfer-encoding"] == "chunked"
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == after_head.headers["content-length"]
    assert after_head.json() == {"status": "ok"}
    assert http10.startswith(b"HTTP/1.1 200 ")
    assert http10.endswith(b'{"status":"ok"}')


def _raw(alb: LoadBalancer, request: bytes) -> bytes:
    """One request on a plain socket, read until the ALB closes it (HTTP/1.0, no Host)."""
    with socket.create_connection(("127.0.0.1", alb.listener_port), timeout=PATIENCE) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data
