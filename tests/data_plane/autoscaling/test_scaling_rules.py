"""Application Auto Scaling's arithmetic, as its API reference documents it."""

from __future__ import annotations

import pytest

from harness.data_plane.autoscaling.cooldowns import Cooldowns
from harness.data_plane.autoscaling.step_scaling import adjusted_capacity, step_capacity
from harness.data_plane.autoscaling.target_tracking import (
    alarm_definitions,
    desired_capacity,
    tracked_metric,
)

STEPS = {
    "AdjustmentType": "ChangeInCapacity",
    "StepAdjustments": [
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
        {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3},
        {"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1},
    ],
}


def test_target_tracking_scales_out_in_proportion_and_in_conservatively():
    # [target-tracking-scaling-policy-overview: proportional scale-out, conservative scale-in]
    assert desired_capacity(2, 130, 50, high=True) == 6  # ceil(2 * 130 / 50)
    assert desired_capacity(2, 51, 50, high=True) == 3  # at least one more
    assert desired_capacity(4, 20, 50, high=False) == 2  # ceil(4 * 20 / 50)
    assert desired_capacity(3, 44, 50, high=False) == 3  # 2 tasks would be above the target


def test_alb_request_count_per_target_is_read_for_the_resource_labels_target_group():
    # [API reference: PredefinedMetricSpecification, ResourceLabel]
    config = {
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget",
            "ResourceLabel": "app/web/50dc6c49/targetgroup/api/6d0ecf83",
        }
    }
    assert tracked_metric(config, "service/c/s") == {
        "Namespace": "AWS/ApplicationELB",
        "MetricName": "RequestCountPerTarget",
        "Dimensions": [
            {"Name": "LoadBalancer", "Value": "app/web/50dc6c49"},
            {"Name": "TargetGroup", "Value": "targetgroup/api/6d0ecf83"},
        ],
        "Statistic": "Sum",
    }


def test_the_managed_alarms_are_3_of_3_above_and_15_of_15_below_90_percent():
    policy = {
        "PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x",
        "ResourceId": "service/c/s",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
        },
    }
    alarms = alarm_definitions(policy, {"AlarmHigh": "h", "AlarmLow": "l"})
    high, low = alarms["AlarmHigh"], alarms["AlarmLow"]
    assert (high["EvaluationPeriods"], high["Threshold"], high["ComparisonOperator"]) == (
        3,
        50.0,
        "GreaterThanThreshold",
    )
    assert (low["EvaluationPeriods"], low["Threshold"], low["ComparisonOperator"]) == (
        15,
        45.0,
        "LessThanThreshold",
    )
    assert high["AlarmActions"] == [policy["PolicyARN"]]
    policy["TargetTrackingScalingPolicyConfiguration"]["DisableScaleIn"] = True
    assert list(alarm_definitions(policy, {"AlarmHigh": "h", "AlarmLow": "l"})) == ["AlarmHigh"]


@pytest.mark.parametrize(
    ("breach", "capacity"), [(0, 3), (9.9, 3), (10, 5), (50, 5), (-0.1, 1), (-5, 1)]
)
def test_step_bounds_are_relative_to_the_threshold(breach, capacity):
    # [API reference: StepAdjustment] above the threshold the lower bound is inclusive and the
    # upper exclusive; below it the reverse
    assert step_capacity(2, STEPS, breach) == capacity


def test_percent_change_rounds_toward_zero_but_moves_at_least_one():
    # [API reference: StepScalingPolicyConfiguration, AdjustmentType PercentChangeInCapacity]
    percent = {"AdjustmentType": "PercentChangeInCapacity"}
    assert adjusted_capacity(10, percent, 27) == 12  # 2.7 -> 2
    assert adjusted_capacity(2, percent, 10) == 3  # 0.2 -> 1
    assert adjusted_capacity(3, percent, -10) == 2  # -0.3 -> -1
    assert adjusted_capacity(6, percent, -50) == 3
    assert adjusted_capacity(10, percent | {"MinAdjustmentMagnitude": 3}, 10) == 13
    assert adjusted_capacity(4, {"AdjustmentType": "ExactCapacity"}, 6) == 6


def test_cooldowns_block_scale_in_and_count_added_capacity_for_scale_out():
    # [API reference: StepScalingPolicyConfiguration Cooldown, TargetTrackingScalingPolicy-
    # Configuration ScaleInCooldown/ScaleOutCooldown]
    cooldowns = Cooldowns()
    cooldowns.record(now=0, current=2, new=3, cooldown=300)
    assert cooldowns.scale_out_base(100, current=3) == 2  # a +1 step again gives 3: no change
    assert cooldowns.scale_out_base(300, current=3) == 3  # cooldown over
    cooldowns.record(now=400, current=3, new=2, cooldown=300)
    assert not cooldowns.allows(500, current=2, new=1)
    assert cooldowns.allows(700, current=2, new=1)
    assert cooldowns.allows(500, current=2, new=4)  # scale-out is never held by scale-in
    cooldowns.record(now=500, current=2, new=4, cooldown=60)
    assert cooldowns.allows(501, current=4, new=3)  # that scale-out stopped the cooldown
