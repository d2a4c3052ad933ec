"""The three security groups: the ALB's (the listener port from anywhere), the tasks' (the
container port from the ALB's group only) and the VPC endpoints' (HTTPS from the tasks)."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint

HTTPS = 443


def _group(ec2, vpc_id: str, name: str, description: str) -> tuple[str, bool]:
    found = ec2.describe_security_groups(
        Filters=[
            {"Name": "group-name", "Values": [name]},
            {"Name": "vpc-id", "Values": [vpc_id]},
        ]
    )["SecurityGroups"]
    if found:
        return found[0]["GroupId"], False
    created = ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id)
    return created["GroupId"], True


def _from_group(port: int, source_group: str) -> dict:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "UserIdGroupPairs": [{"GroupId": source_group}],
    }


def provision_security_groups(ec2, bp: Blueprint, vpc_id: str) -> dict:
    alb, alb_new = _group(
        ec2,
        vpc_id,
        bp.load_balancer_security_group,
        "AnimeHub ALB: HTTP from viewers (through CloudFront)",
    )
    if alb_new:
        ec2.authorize_security_group_ingress(
            GroupId=alb,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": bp.listener_port,
                    "ToPort": bp.listener_port,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        )
    tasks, tasks_new = _group(
        ec2, vpc_id, bp.security_group, "AnimeHub API tasks: the container port from the ALB only"
    )
    if tasks_new:
        ec2.authorize_security_group_ingress(
            GroupId=tasks, IpPermissions=[_from_group(bp.container_port, alb)]
        )
    endpoints, endpoints_new = _group(
        ec2, vpc_id, bp.endpoint_security_group, "AnimeHub VPC endpoints: HTTPS from the API tasks"
    )
    if endpoints_new:
        ec2.authorize_security_group_ingress(
            GroupId=endpoints, IpPermissions=[_from_group(HTTPS, tasks)]
        )
    return {
        "security_group_id": tasks,
        "load_balancer_security_group_id": alb,
        "endpoint_security_group_id": endpoints,
    }
