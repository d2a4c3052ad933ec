"""An alarm's value per evaluation period (CloudWatch user guide, "Alarm evaluation": the last
EvaluationPeriods complete periods; a period without datapoints is missing), read from the
emulator in one GetMetricStatistics when the datapoints fall on period starts, as the ALB's
60-second datapoints do, and period by period where one straddles two periods."""

import time
import uuid
from datetime import UTC, datetime

import pytest

from harness.data_plane.alarms.statistics import period_values

# A minute well in the past, so that every period asked for is complete.
M0 = (time.time() // 60 - 10) * 60


@pytest.fixture
def cloudwatch(endpoints):
    client = endpoints.client("cloudwatch")
    calls = []
    client.meta.events.register(
        "before-call.cloudwatch.GetMetricStatistics", lambda **_: calls.append(1)
    )
    client.calls = calls
    return client


def alarm(metric: str) -> dict:
    return {
        "Namespace": "Test/PeriodValues",
        "MetricName": metric,
        "Dimensions": [{"Name": "Part", "Value": "alarms"}],
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 4,
    }


def put(cloudwatch, metric: str, points: dict[float, float]) -> None:
    cloudwatch.put_metric_data(
        Namespace="Test/PeriodValues",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "Part", "Value": "alarms"}],
                "Timestamp": datetime.fromtimestamp(M0 + offset, UTC),
                "Value": value,
            }
            for offset, value in points.items()
        ],
    )


def test_datapoints_on_period_starts_are_read_in_one_call(cloudwatch):
    metric = f"aligned-{uuid.uuid4().hex[:8]}"
    put(cloudwatch, metric, {0: 5, 60: 3, 180: 7})

    values = period_values(cloudwatch, alarm(metric), M0 + 4 * 60 + 10)

    assert values == [5, 3, None, 7]
    assert len(cloudwatch.calls) == 1


def test_a_datapoint_off_a_period_start_counts_in_its_own_period(cloudwatch):
    metric = f"straddling-{uuid.uuid4().hex[:8]}"
    # Seconds 10, 60.5 and 119.5 would share one of moto's periods (which start at the first
    # datapoint); the alarm's periods start on the minute.
    put(cloudwatch, metric, {10: 5, 60.5: 3, 119.5: 2, 180: 7})

    values = period_values(cloudwatch, alarm(metric), M0 + 4 * 60 + 10)

    assert values == [5, 5, None, 7]


def test_no_datapoint_is_every_period_missing_in_one_call(cloudwatch):
    values = period_values(cloudwatch, alarm(f"silent-{uuid.uuid4().hex[:8]}"), M0 + 4 * 60)

    assert values == [None, None, None, None]
    assert len(cloudwatch.calls) == 1
