"""X-Amzn-Trace-Id's Root carries the time on the stack clock.

[load-balancer-request-tracing] (Request tracing for your Application Load Balancer,
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html):
"Field=version-time-id ... time: The epoch time, in seconds. This value is 8 hexadecimal digits
long." X-Ray's page on ELB (xray-services-elb) calls it "the time of the original request".
That time is the one the rest of the stack sees (the access log's, the tasks' under
libfaketime), so a moved clock moves it too.
"""

from __future__ import annotations

import re

import httpx
import pytest

from harness.data_plane.alb import LoadBalancer
from harness.plumbing.waiting import wait_until

PATIENCE = 60  # only catches a hang
A_DAY = 86_400


@pytest.fixture
def echo_alb(endpoints, make_target_group, elbv2, target_server):
    arn = make_target_group()
    server = target_server("echo")
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": server.host, "Port": server.port}])
    with LoadBalancer(endpoints, arn) as alb:
        wait_until(lambda: alb.healthy_count() == 1, what="target healthy", timeout=PATIENCE)
        yield alb


def root_time(trace_id: str) -> int:
    found = re.fullmatch(r"Root=1-(?P<time>[0-9a-f]{8})-[0-9a-f]{24}", trace_id)
    assert found, trace_id
    return int(found["time"], 16)


def test_the_trace_ids_time_is_the_stack_clocks(stack_clock, echo_alb):
    stack_clock.advance(A_DAY)
    before = int(stack_clock.now())
    answer = httpx.get(echo_alb.url + "/api/echo", trust_env=False, timeout=PATIENCE)
    after = int(stack_clock.now())

    assert answer.status_code == 200
    assert before <= root_time(answer.json()["headers"]["x-amzn-trace-id"]) <= after
