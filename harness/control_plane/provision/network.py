"""VPC: public subnets routed to an internet gateway (for the ALB), private subnets for the
tasks with a route table of their own, the VPC endpoints the tasks reach AWS through, and the
security groups (provision/security_groups.py)."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint
from harness.control_plane.provision.security_groups import provision_security_groups

_KINDS = {
    # kind: (describe call, answer key, id key)
    "vpc": ("describe_vpcs", "Vpcs", "VpcId"),
    "subnet": ("describe_subnets", "Subnets", "SubnetId"),
    "internet-gateway": ("describe_internet_gateways", "InternetGateways", "InternetGatewayId"),
    "route-table": ("describe_route_tables", "RouteTables", "RouteTableId"),
    "vpc-endpoint": ("describe_vpc_endpoints", "VpcEndpoints", "VpcEndpointId"),
}


def _tagged(ec2, kind: str, name: str) -> dict | None:
    describe, key, _ = _KINDS[kind]
    found = getattr(ec2, describe)(Filters=[{"Name": "tag:Name", "Values": [name]}])[key]
    return found[0] if found else None


def name_tag(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _ensure(ec2, kind: str, name: str, create) -> str:
    """The id of the resource tagged `name`, made by `create(tag_specifications)` if missing."""
    found = _tagged(ec2, kind, name)
    if found:
        return found[_KINDS[kind][2]]
    return create(name_tag(kind, name))


def _subnets(ec2, bp: Blueprint, vpc_id: str, kind: str, cidrs: tuple[str, ...]) -> list[str]:
    return [
        _ensure(
            ec2,
            "subnet",
            f"{bp.name}-{kind}-{index}",
            lambda tags, cidr=cidr, zone=zone: ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=bp.region + zone,
                TagSpecifications=tags,
            )["Subnet"]["SubnetId"],
        )
        for index, (cidr, zone) in enumerate(zip(cidrs, bp.availability_zones, strict=True), 1)
    ]


def _route_table(ec2, vpc_id: str, name: str, subnet_ids: list[str]) -> str:
    table_id = _ensure(
        ec2,
        "route-table",
        name,
        lambda tags: ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tags)["RouteTable"][
            "RouteTableId"
        ],
    )
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    associated = {a.get("SubnetId") for a in table.get("Associations", [])}
    for subnet_id in subnet_ids:
        if subnet_id not in associated:
            ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    return table_id


def _internet_route(ec2, bp: Blueprint, vpc_id: str, public_table: str) -> None:
    gateway = _tagged(ec2, "internet-gateway", f"{bp.name}-igw")
    if gateway is None:
        gateway = ec2.create_internet_gateway(
            TagSpecifications=name_tag("internet-gateway", f"{bp.name}-igw")
        )["InternetGateway"]
    gateway_id = gateway["InternetGatewayId"]
    if not any(a.get("VpcId") == vpc_id for a in gateway.get("Attachments", [])):
        ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    table = ec2.describe_route_tables(RouteTableIds=[public_table])["RouteTables"][0]
    if not any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in table.get("Routes", [])):
        ec2.create_route(
            RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id
        )


def _endpoints(ec2, bp: Blueprint, vpc_id: str, private: list[str], table: str, group: str):
    for service in bp.gateway_endpoint_services + bp.interface_endpoint_services:
        interface = service in bp.interface_endpoint_services
        placement = (
            {"SubnetIds": private, "SecurityGroupIds": [group], "PrivateDnsEnabled": True}
            if interface
            else {"RouteTableIds": [table]}
        )
        _ensure(
            ec2,
            "vpc-endpoint",
            f"{bp.name}-{service}",
            lambda tags, service=service, interface=interface, placement=placement: (
                ec2.create_vpc_endpoint(
                    VpcId=vpc_id,
                    ServiceName=f"com.amazonaws.{bp.region}.{service}",
                    VpcEndpointType="Interface" if interface else "Gateway",
                    TagSpecifications=tags,
                    **placement,
                )["VpcEndpoint"]["VpcEndpointId"]
            ),
        )


def provision_network(ec2, bp: Blueprint) -> dict:
    vpc_id = _ensure(
        ec2,
        "vpc",
        bp.vpc,
        lambda tags: ec2.create_vpc(CidrBlock=bp.vpc_cidr, TagSpecifications=tags)["Vpc"]["VpcId"],
    )
    public = _subnets(ec2, bp, vpc_id, "public", bp.public_subnet_cidrs)
    private = _subnets(ec2, bp, vpc_id, "private", bp.private_subnet_cidrs)
    public_table = _route_table(ec2, vpc_id, f"{bp.name}-public", public)
    _internet_route(ec2, bp, vpc_id, public_table)
    private_table = _route_table(ec2, vpc_id, f"{bp.name}-private", private)
    groups = provision_security_groups(ec2, bp, vpc_id)
    return {
        "vpc_id": vpc_id,
        "subnet_ids": tuple(private),
        "public_subnet_ids": tuple(public),
        "private_route_table_id": private_table,
        **groups,
    }


def provision_vpc_endpoints(ec2, bp: Blueprint, network: dict) -> dict:
    """After the network; nothing else waits for them."""
    _endpoints(
        ec2,
        bp,
        network["vpc_id"],
        list(network["subnet_ids"]),
        network["private_route_table_id"],
        network["endpoint_security_group_id"],
    )
    return {}
