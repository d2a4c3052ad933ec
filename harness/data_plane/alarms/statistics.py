"""An alarm's metric, one value per evaluation period, read from CloudWatch on the stack clock:
what the evaluator judges and what a scaling policy sizes its step by.

One GetMetricStatistics over all the alarm's periods answers most alarms at once: a period
with no datapoint is missing, and a datapoint stamped at the start of a period holds exactly
that period. The embedded emulator (moto) starts its periods at the first datapoint instead
of at StartTime, so a datapoint that does not fall on a period's start may straddle two of
the alarm's periods: those periods are asked for one by one."""

from __future__ import annotations

from datetime import UTC, datetime

from harness.data_plane.alarms.evaluation import windows


def period_values(cloudwatch, alarm: dict, now: float) -> list[float | None]:
    """The alarm's statistic for each of its last EvaluationPeriods periods, oldest first
    (None: no datapoint in that period)."""
    stat = alarm.get("Statistic") or "Average"
    period = alarm["Period"]
    spans = windows(now, period, alarm["EvaluationPeriods"])
    found: dict[float, list[float]] = {}
    unsure: set[float] = set()
    for timestamp, value in _datapoints(cloudwatch, alarm, stat, spans[0][0], spans[-1][1]):
        if timestamp % period == 0:
            found.setdefault(timestamp, []).append(value)
        else:  # [timestamp, timestamp + period) overlaps two of the alarm's periods
            unsure.update({timestamp // period * period, (timestamp // period + 1) * period})
    values = []
    for start, end in spans:
        if start in unsure:
            points = [v for _, v in _datapoints(cloudwatch, alarm, stat, start, end)]
        else:
            points = found.get(start, [])
        values.append(_combine(stat, points))
    return values


def _datapoints(cloudwatch, alarm: dict, stat: str, start: float, end: float):
    """(timestamp, value) of each datapoint GetMetricStatistics returns for [start, end)."""
    answer = cloudwatch.get_metric_statistics(
        Namespace=alarm["Namespace"],
        MetricName=alarm["MetricName"],
        Dimensions=alarm.get("Dimensions", []),
        StartTime=datetime.fromtimestamp(start, UTC),
        EndTime=datetime.fromtimestamp(end, UTC),
        Period=alarm["Period"],
        Statistics=[stat],
    )
    return [(p["Timestamp"].timestamp(), p[stat]) for p in answer["Datapoints"]]


def _combine(stat: str, points: list[float]) -> float | None:
    """One period may come back as several datapoints from the emulator; fold them."""
    if not points:
        return None
    return {"Sum": sum, "Maximum": max, "Minimum": min, "SampleCount": sum}.get(
        stat, lambda p: sum(p) / len(p)
    )(points)
