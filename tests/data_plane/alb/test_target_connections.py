"""The ALB's connections to its targets: kept alive between requests, closed once idle for
longer than the stack clock allows, and every kind of HTTP/1.1 exchange carried whole.

[connection-idle-timeout] (Application Load Balancers user guide, "Connection idle timeout",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout):
"The back-end connection is between the load balancer and a target ... If no data has been sent
or received by the time that the idle timeout period elapses, the load balancer closes the
connection." The tasks keep their own keep-alive on the stack clock (libfaketime), so after an
advance a connection the ALB kept would be one the task has closed: a 502 AWS never gives.
"""

from __future__ import annotations

import socket

import httpx
import pytest

from harness.data_plane.alb import LoadBalancer
from harness.plumbing.waiting import wait_until

PATIENCE = 60


@pytest.fixture
def healthy_alb(endpoints, make_target_group, elbv2):
    """An ALB whose one target, `server`, has passed its first health check."""
    started: list[LoadBalancer] = []

    def start(server) -> LoadBalancer:
        arn = make_target_group()
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
