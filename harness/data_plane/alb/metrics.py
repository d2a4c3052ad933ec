"""The ALB's CloudWatch metrics, published to the emulator's CloudWatch as AWS publishes them
(namespace AWS/ApplicationELB; ALB user guide, load-balancer-cloudwatch-metrics): RequestCount,
HTTPCode_Target_5XX_Count and TargetResponseTime per LoadBalancer and per LoadBalancer +
TargetGroup; RequestCountPerTarget per TargetGroup and LoadBalancer + TargetGroup;
HealthyHostCount / UnHealthyHostCount per LoadBalancer + TargetGroup. Count metrics are only
reported when non-zero, as AWS does.

It reads the ALB's access log (the shared contract: one line per request) every second and
stamps the datapoints on the stack clock."""

from __future__ import annotations

import logging
import shlex
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from harness.clock import clock

log = logging.getLogger("harness.data_plane.alb.metrics")

NAMESPACE = "AWS/ApplicationELB"
HOST_COUNTS_EVERY = 10  # ticks between Healthy/UnHealthyHostCount datapoints


def target_group_dimension(target_group_arn: str) -> str:
    """`targetgroup/name/id`, the TargetGroup dimension's value."""
    return target_group_arn.split(":", 5)[-1]


class Tally:
    """What the access log lines of one tick add up to, per (LoadBalancer, TargetGroup)."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], int] = defaultdict(int)
        self.target_5xx: dict[tuple[str, str], int] = defaultdict(int)
        self.response_times: dict[tuple[str, str], list[float]] = defaultdict(list)

    def add(self, line: str) -> None:
        fields = shlex.split(line)
        if len(fields) < 17:
            return
        key = (fields[2], target_group_dimension(fields[16]))
        self.requests[key] += 1
        if fields[9].isdigit() and 500 <= int(fields[9]) <= 599:
            self.target_5xx[key] += 1
        if fields[9] != "-" and float(fields[6]) >= 0:
            self.response_times[key].append(float(fields[6]))


def datapoints(tally: Tally, healthy: int, at: datetime) -> list[dict]:
    points = []

    def put(name, dims, unit, **value):
        dimensions = [{"Name": n, "Value": v} for n, v in dims]
        points.append(
            {"MetricName": name, "Dimensions": dimensions, "Timestamp": at, "Unit": unit, **value}
        )

    for (lb, tg), count in tally.requests.items():
        for dims in ([("LoadBalancer", lb)], [("LoadBalancer", lb), ("TargetGroup", tg)]):
            put("RequestCount", dims, "Count", Value=count)
            if tally.target_5xx.get((lb, tg)):
                put("HTTPCode_Target_5XX_Count", dims, "Count", Value=tally.target_5xx[(lb, tg)])
            times = tally.response_times.get((lb, tg))
            if times:
                stats = {
                    "SampleCount": len(times),
                    "Sum": sum(times),
                    "Minimum": min(times),
                    "Maximum": max(times),
                }
                put("TargetResponseTime", dims, "Seconds", StatisticValues=stats)
        if healthy:
            for dims in ([("TargetGroup", tg)], [("LoadBalancer", lb), ("TargetGroup", tg)]):
                put("RequestCountPerTarget", dims, "Count", Value=count / healthy)
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
        self.interval = interval
        self.published = 0
        self.last_error: str | None = None
        self._position = 0
        self._ticks = 0
        self._host_counts_sent: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> None:
        return None

    def start(self) -> AlbMetrics:
        if self.log_path.exists():
            self._position = self.log_path.stat().st_size
        self._thread = threading.Thread(target=self._run, name="alb-metrics", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> AlbMetrics:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def health(self) -> dict:
        return {"namespace": NAMESPACE, "published": self.published, "last_error": self.last_error}

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.publish_once()
            except Exception as exc:  # noqa: BLE001 - the next tick tries again
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("alb metrics: %s", self.last_error)

    def publish_once(self) -> int:
        tally = Tally()
        for line in self._new_lines():
            tally.add(line)
        health = self.alb_health()
        at = datetime.fromtimestamp(clock.now(), UTC)
        points = datapoints(tally, health.get("healthy", 0), at)
        lb, tg = self.load_balancer(), health.get("target_group_arn")
        if lb and tg:
            points += self._host_counts(health, lb, tg, at)
        self._ticks += 1
        for first in range(0, len(points), 20):  # PutMetricData takes up to 1000; stay small
            self.cloudwatch.put_metric_data(
                Namespace=NAMESPACE, MetricData=points[first : first + 20]
            )
        self.published += len(points)
        return len(points)

    def _host_counts(self, health: dict, lb: str, tg: str, at: datetime) -> list[dict]:
        """A datapoint when the counts change and every HOST_COUNTS_EVERY ticks."""
        states = [t.get("state") for t in health.get("targets", [])]
        counts = (states.count("healthy"), states.count("unhealthy"))
        if counts == self._host_counts_sent and self._ticks % HOST_COUNTS_EVERY:
            return []
        self._host_counts_sent = counts
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
