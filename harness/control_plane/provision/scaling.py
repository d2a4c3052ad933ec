"""Application Auto Scaling: the API service's scalable target (the blueprint's min and max
desired count) and a target-tracking policy on ALBRequestCountPerTarget for its target group
(ResourceLabel `app/<lb>/<id>/targetgroup/<tg>/<id>`; Application Auto Scaling API reference,
PredefinedMetricSpecification)."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint

ECS_DESIRED_COUNT = "ecs:service:DesiredCount"


def resource_label(load_balancer_arn: str, target_group_arn: str) -> str:
    return "{}/{}".format(
        load_balancer_arn.split(":loadbalancer/", 1)[1], target_group_arn.split(":", 5)[-1]
    )


def service_resource_id(cluster: str, service: str) -> str:
    return f"service/{cluster}/{service}"


def target_tracking_configuration(bp: Blueprint, label: str) -> dict:
    return {
        "TargetValue": bp.requests_per_target,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget",
            "ResourceLabel": label,
        },
        "ScaleOutCooldown": bp.scale_out_cooldown_seconds,
        "ScaleInCooldown": bp.scale_in_cooldown_seconds,
    }


def provision_scaling(autoscaling, bp: Blueprint, made: dict) -> dict:
    resource_id = service_resource_id(made["cluster"], made["service"])
    autoscaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension=ECS_DESIRED_COUNT,
        MinCapacity=bp.min_capacity,
        MaxCapacity=bp.max_capacity,
    )
    label = resource_label(made["load_balancer_arn"], made["target_group_arn"])
    autoscaling.put_scaling_policy(
        PolicyName=bp.scaling_policy,
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension=ECS_DESIRED_COUNT,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=target_tracking_configuration(bp, label),
    )
    return {}
