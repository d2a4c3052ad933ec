"""The ALB's listener closes an idle client connection at the load balancer's idle timeout.

[connection-idle-timeout] (Edit attributes for your Application Load Balancer, "Connection idle
timeout",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout):
"The connection idle timeout is the period of time an existing client or target connection can
remain inactive, with no data being sent or received, before the load balancer closes the
connection." (`idle_timeout.timeout_seconds`, 60 s by default). The HTTP client keepalive
duration (`client_keep_alive.seconds`, 3600 s by default) on the same page bounds how long a
client connection may live, busy or not; it is not what closes an idle one.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket

import pytest

from harness.data_plane.alb import LoadBalancer
from harness.plumbing.servers import LOOPBACK
from harness.plumbing.waiting import wait_until

PATIENCE = 60  # only catches a hang


@pytest.fixture
def albs(endpoints):
    started: list[LoadBalancer] = []
    yield lambda arn: started.append(LoadBalancer(endpoints, arn).start()) or started[-1]
    for alb in started:
        alb.stop()


def served(alb: LoadBalancer) -> http.client.HTTPConnection:
    """A client connection to the listener that has carried one request and is now idle."""
    connection = http.client.HTTPConnection(LOOPBACK, alb.listener_port, timeout=PATIENCE)
    connection.request("GET", "/api/echo")
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    return connection


def closed_by_the_alb(connection: http.client.HTTPConnection) -> bool:
    readable, _, _ = select.select([connection.sock], [], [], 0)
    return bool(readable) and connection.sock.recv(1, socket.MSG_PEEK) == b""


def test_an_idle_client_connection_lasts_the_load_balancers_idle_timeout(
    make_target_group, elbv2, target_server, albs
):
    server = target_server("idle")
    by_default, shortened = (make_target_group(idle_timeout=60) for _ in range(2))
    for arn in (by_default, shortened):
        elbv2.register_targets(
            TargetGroupArn=arn, Targets=[{"Id": server.host, "Port": server.port}]
        )
    long_alb, short_alb = albs(by_default), albs(shortened)
    for alb in (long_alb, short_alb):
        wait_until(
            lambda alb=alb: alb.healthy_count() == 1, what="target healthy", timeout=PATIENCE
        )

    # A change of the attribute is read again, as every other setting of the balancer is.
    (lb_arn,) = elbv2.describe_target_groups(TargetGroupArns=[shortened])["TargetGroups"][0][
        "LoadBalancerArns"
    ]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=lb_arn, Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "1"}]
    )
    short_alb.refresh_soon()
    wait_until(lambda: short_alb.idle_timeout == 1, what="idle timeout re-read", timeout=PATIENCE)

    with contextlib.closing(served(long_alb)) as kept:  # opened first, idle throughout
        with contextlib.closing(served(short_alb)) as short:
            wait_until(
                lambda: closed_by_the_alb(short),
                what="the 1 s idle connection closed",
                timeout=PATIENCE,
            )
        # Under uvicorn's own 30 s for both, the connection opened first was closed first.
        assert not closed_by_the_alb(kept)
        kept.request("GET", "/api/echo")
        assert kept.getresponse().status == 200
