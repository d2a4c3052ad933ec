"""An alarm's metric, one value per evaluation period, read from CloudWatch on the stack clock:
what the evaluator judges and what a scaling policy sizes its step by."""

from __future__ import annotations

from datetime import UTC, datetime

from harness.data_plane.alarms.evaluation import windows


def period_values(cloudwatch, alarm: dict, now: float) -> list[float | None]:
    """The alarm's statistic for each of its last EvaluationPeriods periods, oldest first
    (None: no datapoint in that period)."""
    stat = alarm.get("Statistic") or "Average"
    values = []
    for start, end in windows(now, alarm["Period"], alarm["EvaluationPeriods"]):
        answer = cloudwatch.get_metric_statistics(
            Namespace=alarm["Namespace"],
            MetricName=alarm["MetricName"],
            Dimensions=alarm.get("Dimensions", []),
            StartTime=datetime.fromtimestamp(start, UTC),
            EndTime=datetime.fromtimestamp(end, UTC),
            Period=alarm["Period"],
            Statistics=[stat],
        )
        values.append(_combine(stat, [p[stat] for p in answer["Datapoints"]]))
    return values


def _combine(stat: str, points: list[float]) -> float | None:
    """One period may come back as several datapoints from the emulator; fold them."""
    if not points:
        return None
    return {"Sum": sum, "Maximum": max, "Minimum": min, "SampleCount": sum}.get(
        stat, lambda p: sum(p) / len(p)
    )(points)
