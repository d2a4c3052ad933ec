"""The template's network: a VPC with public subnets for the ALB (routed to an internet gateway)
and private subnets for the tasks, which reach AWS through VPC endpoints instead of a NAT."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint
from harness.control_plane.cloudformation.intrinsics import get_att, ref, scoped, sub, tags, zone

HTTPS = 443


def _subnets(bp: Blueprint, kind: str, cidrs: tuple[str, ...]) -> dict:
    env = scoped(bp)
    return {
        f"{kind.capitalize()}Subnet{index}": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": ref("Vpc"),
                "CidrBlock": cidr,
                "AvailabilityZone": zone(index - 1),
                "MapPublicIpOnLaunch": False,
                "Tags": tags(sub(f"{env.name}-{kind}-{index}")),
            },
        }
        for index, cidr in enumerate(cidrs, start=1)
    }


def _route_table(kind: str, count: int, name) -> dict:
    table = f"{kind.capitalize()}RouteTable"
    resources = {
        table: {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": ref("Vpc"), "Tags": tags(name)},
        }
    }
    for index in range(1, count + 1):
        resources[f"{kind.capitalize()}Subnet{index}RouteTableAssociation"] = {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {
                "SubnetId": ref(f"{kind.capitalize()}Subnet{index}"),
                "RouteTableId": ref(table),
            },
        }
    return resources


def _security_group(description: str, name, ingress: list[dict]) -> dict:
    return {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupName": name,
            "GroupDescription": description,
            "VpcId": ref("Vpc"),
            "SecurityGroupIngress": ingress,
            "Tags": tags(name),
        },
    }


def security_groups(bp: Blueprint) -> dict:
    env = scoped(bp)
    return {
        "LoadBalancerSecurityGroup": _security_group(
            "AnimeHub ALB: HTTP from viewers (through CloudFront)",
            sub(env.load_balancer_security_group),
            [
                {
                    "IpProtocol": "tcp",
                    "FromPort": bp.listener_port,
                    "ToPort": bp.listener_port,
                    "CidrIp": "0.0.0.0/0",
                }
            ],
        ),
        "TaskSecurityGroup": _security_group(
            "AnimeHub API tasks: the container port from the ALB only",
            sub(env.security_group),
            [
                {
                    "IpProtocol": "tcp",
                    "FromPort": bp.container_port,
                    "ToPort": bp.container_port,
                    "SourceSecurityGroupId": get_att("LoadBalancerSecurityGroup", "GroupId"),
                }
            ],
        ),
        "EndpointSecurityGroup": _security_group(
            "AnimeHub VPC endpoints: HTTPS from the API tasks",
            sub(env.endpoint_security_group),
            [
                {
                    "IpProtocol": "tcp",
                    "FromPort": HTTPS,
                    "ToPort": HTTPS,
                    "SourceSecurityGroupId": get_att("TaskSecurityGroup", "GroupId"),
                }
            ],
        ),
    }


def endpoint_id(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("-", ".").split(".")) + "Endpoint"


def vpc_endpoints(bp: Blueprint) -> dict:
    private = [ref(f"PrivateSubnet{i}") for i in range(1, len(bp.private_subnet_cidrs) + 1)]
    resources = {}
    for service in bp.gateway_endpoint_services:
        resources[endpoint_id(service)] = {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "VpcEndpointType": "Gateway",
                "VpcId": ref("Vpc"),
                "ServiceName": sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                "RouteTableIds": [ref("PrivateRouteTable")],
            },
        }
    for service in bp.interface_endpoint_services:
        resources[endpoint_id(service)] = {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "VpcEndpointType": "Interface",
                "VpcId": ref("Vpc"),
                "ServiceName": sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                "SubnetIds": private,
                "SecurityGroupIds": [ref("EndpointSecurityGroup")],
                "PrivateDnsEnabled": True,
            },
        }
    return resources


def network_resources(bp: Blueprint) -> dict:
    env = scoped(bp)
    resources = {
        "Vpc": {
            "Type": "AWS::EC2::VPC",
            "Properties": {
                "CidrBlock": bp.vpc_cidr,
                # Interface endpoints with private DNS need both.
                "EnableDnsSupport": True,
                "EnableDnsHostnames": True,
                "Tags": tags(sub(env.vpc)),
            },
        },
        "InternetGateway": {
            "Type": "AWS::EC2::InternetGateway",
            "Properties": {"Tags": tags(sub(f"{env.name}-igw"))},
        },
        "InternetGatewayAttachment": {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {"VpcId": ref("Vpc"), "InternetGatewayId": ref("InternetGateway")},
        },
        **_subnets(bp, "public", bp.public_subnet_cidrs),
        **_subnets(bp, "private", bp.private_subnet_cidrs),
        **_route_table("public", len(bp.public_subnet_cidrs), sub(f"{env.name}-public")),
        "PublicInternetRoute": {
            "Type": "AWS::EC2::Route",
            "DependsOn": "InternetGatewayAttachment",
            "Properties": {
                "RouteTableId": ref("PublicRouteTable"),
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": ref("InternetGateway"),
            },
        },
        **_route_table("private", len(bp.private_subnet_cidrs), sub(f"{env.name}-private")),
        **security_groups(bp),
        **vpc_endpoints(bp),
    }
    return resources
