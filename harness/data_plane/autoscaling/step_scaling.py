"""Step scaling as Application Auto Scaling applies it [API reference:
StepScalingPolicyConfiguration, StepAdjustment]: the step whose bounds (relative to the alarm's
threshold) hold the breach, then the adjustment by AdjustmentType."""

from __future__ import annotations

import math


def step_for(steps: list[dict], breach: float) -> dict | None:
    """Above the threshold the lower bound is inclusive and the upper exclusive; below it the
    lower bound is exclusive and the upper inclusive. A missing bound is infinity."""
    for step in steps:
        lower = step.get("MetricIntervalLowerBound", -math.inf)
        upper = step.get("MetricIntervalUpperBound", math.inf)
        if breach >= 0 and lower <= breach < upper:
            return step
        if breach < 0 and lower < breach <= upper:
            return step
    return None


def adjusted_capacity(current: int, config: dict, adjustment: int | float) -> int:
    kind = config.get("AdjustmentType", "ChangeInCapacity")
    if kind == "ExactCapacity":
        return int(adjustment)
    if kind == "PercentChangeInCapacity":
        change = current * adjustment / 100
        # Between -1 and 1 (but not 0) counts as one; otherwise the fraction is dropped.
        whole = (
            int(change)
            if abs(change) >= 1
            else (0 if change == 0 else int(math.copysign(1, change)))
        )
        minimum = config.get("MinAdjustmentMagnitude")
        if minimum and 0 < abs(whole) < minimum:
            whole = int(math.copysign(minimum, whole))
        return current + whole
    return current + int(adjustment)


def step_capacity(current: int, config: dict, breach: float) -> int | None:
    """The new capacity for a breach (metric minus threshold); None when no step holds it."""
    step = step_for(config.get("StepAdjustments", []), breach)
    if step is None:
        return None
    return adjusted_capacity(current, config, step["ScalingAdjustment"])
