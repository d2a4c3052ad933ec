"""ELBv2: the application load balancer, its HTTP listener and the API's target group."""

from __future__ import annotations

from botocore.exceptions import ClientError

from harness.control_plane.blueprint import Blueprint


def _find(describe, key: str, **kwargs) -> dict | None:
    try:
        found = describe(**kwargs)[key]
    except ClientError as exc:
        if "NotFound" not in exc.response["Error"]["Code"]:
            raise
        return None
    return found[0] if found else None


def provision_load_balancing(elbv2, bp: Blueprint, network: dict) -> dict:
    hc = bp.health_check
    health_settings = {
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPath": hc.path,
        "HealthCheckIntervalSeconds": hc.interval_seconds,
        "HealthCheckTimeoutSeconds": hc.timeout_seconds,
        "HealthyThresholdCount": hc.healthy_threshold,
        "UnhealthyThresholdCount": hc.unhealthy_threshold,
        "Matcher": {"HttpCode": hc.success_codes},
    }
    group = _find(elbv2.describe_target_groups, "TargetGroups", Names=[bp.target_group])
    if group is None:
        group = elbv2.create_target_group(
            Name=bp.target_group,
            Protocol="HTTP",
            Port=bp.container_port,
            VpcId=network["vpc_id"],
            TargetType="ip",
            **health_settings,
        )["TargetGroups"][0]
    else:
        elbv2.modify_target_group(TargetGroupArn=group["TargetGroupArn"], **health_settings)
    group_arn = group["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=group_arn,
        Attributes=[
            {
                "Key": "deregistration_delay.timeout_seconds",
                "Value": str(bp.deregistration_delay_seconds),
            }
        ],
    )

    balancer = _find(elbv2.describe_load_balancers, "LoadBalancers", Names=[bp.load_balancer])
    if balancer is None:
        balancer = elbv2.create_load_balancer(
            Name=bp.load_balancer,
            Subnets=list(network["public_subnet_ids"]),
            SecurityGroups=[network["load_balancer_security_group_id"]],
            Scheme="internet-facing",
            Type="application",
        )["LoadBalancers"][0]
    balancer_arn = balancer["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=balancer_arn,
        Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": str(bp.idle_timeout_seconds)}],
    )

    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer_arn)["Listeners"]
    http = [listener for listener in listeners if listener["Port"] == bp.listener_port]
    if http:
        listener_arn = http[0]["ListenerArn"]
    else:
        listener_arn = elbv2.create_listener(
            LoadBalancerArn=balancer_arn,
            Protocol="HTTP",
            Port=bp.listener_port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}],
        )["Listeners"][0]["ListenerArn"]
    return {
        "load_balancer_arn": balancer_arn,
        "load_balancer_dns": balancer["DNSName"],
        "listener_arn": listener_arn,
        "target_group_arn": group_arn,
    }
