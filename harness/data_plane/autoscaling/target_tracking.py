"""Target tracking as Application Auto Scaling runs it: the metric a policy tracks, the two
CloudWatch alarms it creates and manages for it, and the capacity it asks for.

[application-auto-scaling-target-tracking, target-tracking-scaling-policy-overview] The policy
scales out in proportion to the metric when it is above the target value, and scales in
conservatively, only once the metric is well below it (the low alarm's threshold is 90 % of
the target). The managed alarms are AlarmHigh (3 of 3 one-minute periods above the target)
and AlarmLow (15 of 15 below 90 % of it); with TreatMissingData `missing`, a metric without
datapoints leaves them INSUFFICIENT_DATA, so the policy does not scale in on silence."""

from __future__ import annotations

import math

HIGH, LOW = "AlarmHigh", "AlarmLow"
LOW_FRACTION = 0.9

# PredefinedMetricType -> (namespace, metric, statistic) [API reference,
# PredefinedMetricSpecification]; the dimensions come from the scalable target or ResourceLabel.
PREDEFINED = {
    "ALBRequestCountPerTarget": ("AWS/ApplicationELB", "RequestCountPerTarget", "Sum"),
    "ECSServiceAverageCPUUtilization": ("AWS/ECS", "CPUUtilization", "Average"),
    "ECSServiceAverageMemoryUtilization": ("AWS/ECS", "MemoryUtilization", "Average"),
}


def tracked_metric(config: dict, resource_id: str) -> dict:
    """Namespace, MetricName, Dimensions and Statistic of the policy's metric."""
    custom = config.get("CustomizedMetricSpecification")
    if custom:
        return {
            "Namespace": custom["Namespace"],
            "MetricName": custom["MetricName"],
            "Dimensions": custom.get("Dimensions", []),
            "Statistic": custom.get("Statistic", "Average"),
        }
    spec = config["PredefinedMetricSpecification"]
    namespace, name, statistic = PREDEFINED[spec["PredefinedMetricType"]]
    if spec["PredefinedMetricType"] == "ALBRequestCountPerTarget":
        label = spec.get("ResourceLabel", "")
        load_balancer, _, target_group = label.partition("/targetgroup/")
        dimensions = [
            {"Name": "LoadBalancer", "Value": load_balancer},
            {"Name": "TargetGroup", "Value": f"targetgroup/{target_group}"},
        ]
    else:
        _, cluster, service = resource_id.split("/")
        dimensions = [
            {"Name": "ClusterName", "Value": cluster},
            {"Name": "ServiceName", "Value": service},
        ]
    return {
        "Namespace": namespace,
        "MetricName": name,
        "Dimensions": dimensions,
        "Statistic": statistic,
    }


def alarm_definitions(policy: dict, names: dict[str, str]) -> dict[str, dict]:
    """PutMetricAlarm arguments for the policy's AlarmHigh and AlarmLow, under `names`."""
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    target = config["TargetValue"]
    common = {
        **tracked_metric(config, policy["ResourceId"]),
        "Period": 60,
        "AlarmActions": [policy["PolicyARN"]],
        "AlarmDescription": "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy "
        + policy["PolicyARN"],
    }
    definitions = {
        HIGH: common
        | {
            "AlarmName": names[HIGH],
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 3,
            "Threshold": target,
            "ComparisonOperator": "GreaterThanThreshold",
        }
    }
    if not config.get("DisableScaleIn"):
        definitions[LOW] = common | {
            "AlarmName": names[LOW],
            "EvaluationPeriods": 15,
            "DatapointsToAlarm": 15,
            "Threshold": target * LOW_FRACTION,
            "ComparisonOperator": "LessThanThreshold",
        }
    return definitions


def desired_capacity(current: int, value: float, target: float, *, high: bool) -> int:
    """The capacity that brings the metric back to the target: proportional, rounded up, at
    least one more on the high alarm; on the low alarm never below what keeps the metric at or
    under the target."""
    wanted = math.ceil(current * value / target) if target > 0 else current
    return max(wanted, current + 1) if high else min(wanted, current)
