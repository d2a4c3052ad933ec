"""The ALB's CloudWatch metrics, published to the emulator's CloudWatch as AWS publishes them
(namespace AWS/ApplicationELB; ALB user guide, load-balancer-cloudwatch-metrics): RequestCount,
HTTPCode_Target_5XX_Count and TargetResponseTime per LoadBalancer and per LoadBalancer +
TargetGroup; RequestCountPerTarget per TargetGroup and LoadBalancer + TargetGroup;
HealthyHostCount / UnHealthyHostCount per LoadBalancer + TargetGroup. Count metrics are only
reported when non-zero, as AWS does.

It reads the ALB's access log (the shared contract: one line per request) on the stack clock
(`ClockTicker`: every second, and at once when the clock moves) and counts each request in the
minute of the stack clock it arrived in (its `request_creation_time`), stamped at the start of
that minute as CloudWatch's 60-second ALB datapoints are: a request made just before
`harness clock advance` still counts before it, however late the line is read.
HealthyHostCount / UnHealthyHostCount are sent when they change and once a minute of the stack
clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from harness.clock import clock
from harness.clock.ticker import ClockTicker
from harness.data_plane.alb.access_log import split_line

NAMESPACE = "AWS/ApplicationELB"
PERIOD = 60  # ALB metrics are 60-second datapoints
CREATION_TIME = 21  # request_creation_time, in the access log's field order


def target_group_dimension(target_group_arn: str) -> str:
    """`targetgroup/name/id`, the TargetGroup dimension's value."""
    return target_group_arn.split(":", 5)[-1]


def minute_of(stamp: str) -> datetime:
    """The start of the minute an access-log time (ISO 8601, UTC) falls in."""
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return at.replace(second=0, microsecond=0)


class Tally:
    """What access-log lines add up to, per (LoadBalancer, TargetGroup, minute of arrival)."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, datetime], int] = defaultdict(int)
        self.target_5xx: dict[tuple[str, str, datetime], int] = defaultdict(int)
        self.response_times: dict[tuple[str, str, datetime], list[float]] = defaultdict(list)

    def add(self, line: str) -> None:
        fields = split_line(line)
        if len(fields) <= CREATION_TIME:
            return
        key = (fields[2], target_group_dimension(fields[16]), minute_of(fields[CREATION_TIME]))
        self.requests[key] += 1
        if fields[9].isdigit() and 500 <= int(fields[9]) <= 599:
            self.target_5xx[key] += 1
        if fields[9] != "-" and float(fields[6]) >= 0:
            self.response_times[key].append(float(fields[6]))


def datapoints(tally: Tally, healthy: int) -> list[dict]:
    points = []

    def put(name, dims, at, unit, **value):
        dimensions = [{"Name": n, "Value": v} for n, v in dims]
        points.append(
            {"MetricName": name, "Dimensions": dimensions, "Timestamp": at, "Unit": unit, **value}
        )

    for (lb, tg, at), count in tally.requests.items():
        key = (lb, tg, at)
        for dims in ([("LoadBalancer", lb)], [("LoadBalancer", lb), ("TargetGroup", tg)]):
            put("RequestCount", dims, at, "Count", Value=count)
            if tally.target_5xx.get(key):
                put("HTTPCode_Target_5XX_Count", dims, at, "Count", Value=tally.target_5xx[key])
            times = tally.response_times.get(key)
            if times:
                stats = {
                    "SampleCount": len(times),
                    "Sum": sum(times),
                    "Minimum": min(times),
                    "Maximum": max(times),
                }
                put("TargetResponseTime", dims, at, "Seconds", StatisticValues=stats)
        if healthy:
            for dims in ([("TargetGroup", tg)], [("LoadBalancer", lb), ("TargetGroup", tg)]):
                put("RequestCountPerTarget", dims, at, "Count", Value=count / healthy)
    return points


class AlbMetrics:
    def __init__(
        self,
        cloudwatch,
        log_path: Path,
        alb_health: Callable[[], dict],
        load_balancer: Callable[[], str | None],
        interval: float = 1.0,
    ) -> None:
        self.cloudwatch = cloudwatch
        self.log_path = Path(log_path)
        self.alb_health = alb_health
        self.load_balancer = load_balancer  # the LoadBalancer dimension, once the ALB knows it
        self.published = 0
        self._position = 0
        self._host_counts_sent: tuple[tuple[int, int], datetime] | None = None
        self._ticker = ClockTicker("alb.metrics", self.publish_once, interval)

    @property
    def url(self) -> None:
        return None

    @property
    def last_error(self) -> str | None:
        return self._ticker.last_error

    def start(self) -> AlbMetrics:
        if self.log_path.exists():
            self._position = self.log_path.stat().st_size
        self._ticker.start()
        return self

    def stop(self) -> None:
        self._ticker.stop()

    def __enter__(self) -> AlbMetrics:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def health(self) -> dict:
        return {
            "namespace": NAMESPACE,
            "published": self.published,
            "passes": self._ticker.passes,
            "last_error": self.last_error,
        }

    def publish_once(self) -> int:
        tally = Tally()
        for line in self._new_lines():
            tally.add(line)
        health = self.alb_health()
        points = datapoints(tally, health.get("healthy", 0))
        lb, tg = self.load_balancer(), health.get("target_group_arn")
        if lb and tg:
            points += self._host_counts(health, lb, tg)
        for first in range(0, len(points), 20):  # PutMetricData takes up to 1000; stay small
            self.cloudwatch.put_metric_data(
                Namespace=NAMESPACE, MetricData=points[first : first + 20]
            )
        self.published += len(points)
        return len(points)

    def _host_counts(self, health: dict, lb: str, tg: str) -> list[dict]:
        """A datapoint when the counts change, and one in every minute of the stack clock."""
        states = [t.get("state") for t in health.get("targets", [])]
        counts = (states.count("healthy"), states.count("unhealthy"))
        at = datetime.fromtimestamp(clock.now() // PERIOD * PERIOD, UTC)
        if self._host_counts_sent == (counts, at):
            return []
        self._host_counts_sent = (counts, at)
        dims = [
            {"Name": "LoadBalancer", "Value": lb},
            {"Name": "TargetGroup", "Value": target_group_dimension(tg)},
        ]
        return [
            {"MetricName": name, "Dimensions": dims, "Timestamp": at, "Unit": "Count", "Value": n}
            for name, n in zip(("HealthyHostCount", "UnHealthyHostCount"), counts, strict=True)
        ]

    def _new_lines(self) -> list[str]:
        try:
            with open(self.log_path, "rb") as stream:
                stream.seek(self._position)
                chunk = stream.read()
        except FileNotFoundError:
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._position += len(complete)
        return complete.decode("utf-8", "replace").splitlines()
