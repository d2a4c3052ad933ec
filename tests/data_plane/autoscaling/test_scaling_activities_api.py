"""`describe-scaling-activities` through the API front answers with the scaler's activities
(the emulator has no such API); the rest of Application Auto Scaling reaches the emulator."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from harness.data_plane.api_front import ApiFront
from harness.data_plane.autoscaling.activities import ActivityLog


class Scaler:
    def __init__(self) -> None:
        self.activities = ActivityLog()


@pytest.fixture
def front(endpoints):
    front = ApiFront(endpoints).start()
    yield front
    front.stop()


def test_activities_newest_first_filtered_and_paged(endpoints, front):
    # [API reference: DescribeScalingActivities, ScalingActivity]
    scaler = Scaler()
    for count in (3, 4, 5):
        scaler.activities.add(
            ServiceNamespace="ecs",
            ResourceId="service/c/api",
            ScalableDimension="ecs:service:DesiredCount",
            Description=f"Setting desired count to {count}.",
            Cause="monitor alarm a in state ALARM triggered policy p",
            StartTime=1_700_000_000 + count,
            EndTime=1_700_000_000 + count,
            StatusCode="Successful",
            StatusMessage=f"Successfully set desired count to {count}.",
        )
    front.serve_autoscaling(scaler)
    client = front.endpoints.client("application-autoscaling")

    page = client.describe_scaling_activities(ServiceNamespace="ecs", MaxResults=2)
    rest = client.describe_scaling_activities(ServiceNamespace="ecs", NextToken=page["NextToken"])
    other = client.describe_scaling_activities(ServiceNamespace="ecs", ResourceId="service/c/web")

    descriptions = [a["Description"] for a in page["ScalingActivities"] + rest["ScalingActivities"]]
    assert descriptions == [f"Setting desired count to {n}." for n in (5, 4, 3)]
    assert "NextToken" not in rest
    assert other["ScalingActivities"] == []
    assert client.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] is not None


def test_a_missing_service_namespace_is_a_validation_error(endpoints, front):
    front.serve_autoscaling(Scaler())
    client = front.endpoints.client("application-autoscaling")
    # botocore refuses a missing required parameter itself; an empty one reaches the front
    with pytest.raises(ClientError, match="ValidationException"):
        client.describe_scaling_activities(ServiceNamespace="")
