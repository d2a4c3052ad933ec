"""CloudWatch alarm evaluation (CloudWatch user guide, "Alarm evaluation" and "Configuring how
CloudWatch alarms treat missing data"): the alarm looks at its last EvaluationPeriods periods;
a period is breaching when its statistic compares true against the threshold; ALARM when at
least DatapointsToAlarm (default EvaluationPeriods) periods breach; missing periods count as
TreatMissingData says: `breaching`, `notBreaching`, `ignore` (keep the current state when all
are missing) or `missing` (the default: with no datapoint at all, INSUFFICIENT_DATA)."""

from __future__ import annotations

import operator

COMPARE = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
ALARM, OK, INSUFFICIENT = "ALARM", "OK", "INSUFFICIENT_DATA"


def windows(now: float, period: int, evaluation_periods: int) -> list[tuple[float, float]]:
    """The last complete periods before `now`, oldest first, as (start, end) epoch seconds."""
    end = (now // period) * period
    return [(end - (n + 1) * period, end - n * period) for n in reversed(range(evaluation_periods))]


def evaluate(alarm: dict, values: list[float | None]) -> str:
    """The state for one value per evaluation period (None = missing)."""
    compare = COMPARE[alarm["ComparisonOperator"]]
    threshold = alarm["Threshold"]
    treat = alarm.get("TreatMissingData") or "missing"
    to_alarm = alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"]
    marks = []
    for value in values:
        if value is None:
            marks.append({"breaching": "B", "notBreaching": "G"}.get(treat, "M"))
        else:
            marks.append("B" if compare(value, threshold) else "G")
    if marks.count("B") >= to_alarm:
        return ALARM
    if marks.count("M") == len(marks):
        return alarm.get("StateValue", INSUFFICIENT) if treat == "ignore" else INSUFFICIENT
    return OK
