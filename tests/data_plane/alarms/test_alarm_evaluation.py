"""Alarm evaluation as the CloudWatch user guide describes it ("Alarm evaluation"; "Configuring
how CloudWatch alarms treat missing data"): M of N breaching periods, and the four
TreatMissingData values."""

import pytest

from harness.data_plane.alarms.evaluation import evaluate, windows

ALARM = {
    "ComparisonOperator": "GreaterThanThreshold",
    "Threshold": 10.0,
    "EvaluationPeriods": 3,
    "DatapointsToAlarm": 2,
    "StateValue": "OK",
}


def test_windows_are_the_last_complete_periods():
    # 1000.5 is inside the period 960-1020: the last complete ones end at 960
    assert windows(1000.5, 60, 2) == [(840.0, 900.0), (900.0, 960.0)]


@pytest.mark.parametrize(
    ("values", "state"),
    [
        ([11, 12, 1], "ALARM"),  # 2 of 3 breach
        ([11, 1, 1], "OK"),
        ([10, 10, 10], "OK"),  # GreaterThan, not GreaterThanOrEqual
    ],
)
def test_m_out_of_n(values, state):
    assert evaluate(ALARM, values) == state


@pytest.mark.parametrize(
    ("treat", "state"),
    [
        ("missing", "INSUFFICIENT_DATA"),
        ("ignore", "OK"),  # keeps its state
        ("breaching", "ALARM"),
        ("notBreaching", "OK"),
    ],
)
def test_all_missing(treat, state):
    assert evaluate({**ALARM, "TreatMissingData": treat}, [None, None, None]) == state


def test_missing_breaching_completes_a_partial_breach():
    alarm = {**ALARM, "TreatMissingData": "breaching"}
    assert evaluate(alarm, [11, None, 1]) == "ALARM"
    assert evaluate({**alarm, "TreatMissingData": "notBreaching"}, [11, None, 1]) == "OK"
