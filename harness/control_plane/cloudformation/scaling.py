"""The template's monitoring and scaling: the alerts topic and the alarm on the API's 5xx answers
(as provision/monitoring.py makes them), the service's scalable target and its target-tracking
policy on ALBRequestCountPerTarget (as provision/scaling.py makes them)."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint
from harness.control_plane.cloudformation.intrinsics import get_att, join, ref, scoped, sub
from harness.control_plane.provision.scaling import (
    ECS_DESIRED_COUNT,
    target_tracking_configuration,
)


def scaling_resources(bp: Blueprint) -> dict:
    env = scoped(bp)
    label = join(
        "/",
        [
            get_att("LoadBalancer", "LoadBalancerFullName"),
            get_att("TargetGroup", "TargetGroupFullName"),
        ],
    )
    return {
        "AlertsTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": sub(env.alerts_topic)},
        },
        "Api5xxAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": sub(env.api_5xx_alarm),
                "AlarmDescription": "The API answers 5xx behind the load balancer",
                "Namespace": "AWS/ApplicationELB",
                "MetricName": "HTTPCode_Target_5XX_Count",
                "Dimensions": [
                    {
                        "Name": "LoadBalancer",
                        "Value": get_att("LoadBalancer", "LoadBalancerFullName"),
                    }
                ],
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": bp.api_5xx_threshold,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [ref("AlertsTopic")],
                "OKActions": [ref("AlertsTopic")],
            },
        },
        # Without a RoleARN, Application Auto Scaling uses its ECS service-linked role.
        "ScalableTarget": {
            "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
            "Properties": {
                "ServiceNamespace": "ecs",
                "ResourceId": sub("service/${Cluster}/${Service.Name}"),
                "ScalableDimension": ECS_DESIRED_COUNT,
                "MinCapacity": bp.min_capacity,
                "MaxCapacity": bp.max_capacity,
            },
        },
        "ScalingPolicy": {
            "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Properties": {
                "PolicyName": sub(env.scaling_policy),
                "PolicyType": "TargetTrackingScaling",
                "ScalingTargetId": ref("ScalableTarget"),
                "TargetTrackingScalingPolicyConfiguration": target_tracking_configuration(
                    bp, label
                ),
            },
        },
    }
