"""The ALB's CloudWatch metrics on the stack clock: a request counts in the minute of the stack
clock it arrived in, even when the clock is advanced before its access-log line is read, and
the publisher acts as soon as the clock moves (ALB user guide, load-balancer-cloudwatch-metrics:
60-second datapoints; load-balancer-access-logs: request_creation_time)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from harness.data_plane.alb.access_log import AccessLog, AccessRecord
from harness.data_plane.alb.metrics import NAMESPACE, AlbMetrics, target_group_dimension
from harness.plumbing.waiting import NotYet, wait_until

HOUR = 3600


@pytest.fixture
def alb(endpoints, tmp_path, stack_clock):
    """An access log and the metrics it feeds, under names of this test's own."""
    name = uuid.uuid4().hex[:8]
    load_balancer = f"app/metrics-{name}/1"
    target_group = f"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-{name}/2"
    log = AccessLog(tmp_path, target_group)
    log.elb = load_balancer
    health = {"healthy": 2, "target_group_arn": target_group, "targets": [{"state": "healthy"}] * 2}
    cloudwatch = endpoints.client("cloudwatch")
    yield {
        "log": log,
        "dimensions": [
            {"Name": "LoadBalancer", "Value": load_balancer},
            {"Name": "TargetGroup", "Value": target_group_dimension(target_group)},
        ],
        "cloudwatch": cloudwatch,
        "metrics": lambda interval=1.0: AlbMetrics(
            cloudwatch,
            tmp_path / "alb-access.log",
            lambda: health,
            lambda: load_balancer,
            interval=interval,
        ),
    }
    log.close()


def arrive() -> AccessRecord:
    """A request arriving at the ALB now and answered by a target."""
    now = time.time()
    return AccessRecord(
        started=now,
        client=("127.0.0.1", 5000),
        method="GET",
        url="http://alb/api/health",
        http_version="1.1",
        user_agent="test",
        trace_id="-",
        request_id="-",
        target="127.0.0.2:8000",
        target_started=now,
        response_started=now,
        elb_status=200,
        target_status=200,
    )


def statistic(alb, name: str, start: float, end: float, stat: str = "Sum") -> float | None:
    answer = alb["cloudwatch"].get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=name,
        Dimensions=alb["dimensions"],
        StartTime=datetime.fromtimestamp(start, UTC),
        EndTime=datetime.fromtimestamp(end, UTC),
        Period=60,
        Statistics=[stat],
    )
    points = [p[stat] for p in answer["Datapoints"]]
    return sum(points) if points else None


def test_a_request_counts_in_the_minute_it_arrived_in_though_the_clock_moved_before_its_line(
    alb, stack_clock
):
    stack_clock.advance(24 * HOUR)  # a clock away from real time, as a test's would be
    record = arrive()
    arrived = stack_clock.now() // 60 * 60
    stack_clock.advance(HOUR)  # before the ALB writes the line, as at the end of a response
    alb["log"].write(record, time.time())

    alb["metrics"]().publish_once()

    assert statistic(alb, "RequestCount", arrived, arrived + 60) == 1
    assert statistic(alb, "RequestCount", arrived + 60, stack_clock.now() + 60) is None


def test_the_publisher_acts_at_once_when_the_clock_moves(alb, stack_clock):
    metrics = alb["metrics"](interval=HOUR).start()  # a pass at start, then only on a move
    try:
        alb["log"].write(arrive(), time.time())
        arrived = stack_clock.now() // 60 * 60
        stack_clock.advance(HOUR)
        moved_to = stack_clock.now() // 60 * 60

        def published() -> bool:
            if statistic(alb, "RequestCount", arrived, arrived + 60) != 1:
                raise NotYet("the request is not counted yet")
            return True

        wait_until(published, what="the request counted after the move", timeout=30)
        # The target counts are sent for the minute the clock moved to as well.
        wait_until(
            lambda: statistic(alb, "HealthyHostCount", moved_to, moved_to + 60, "Maximum") == 2,
            what="HealthyHostCount in the new minute",
            timeout=30,
        )
    finally:
        metrics.stop()
