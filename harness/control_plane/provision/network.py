"""VPC: two private subnets in two availability zones and the API's security group."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint


def _tagged(ec2, kind: str, name: str, vpc_id: str | None = None) -> list[dict]:
    filters = [{"Name": "tag:Name", "Values": [name]}]
    if vpc_id:
        filters.append({"Name": "vpc-id", "Values": [vpc_id]})
    describe = {"vpc": ec2.describe_vpcs, "subnet": ec2.describe_subnets}[kind]
    key = {"vpc": "Vpcs", "subnet": "Subnets"}[kind]
    return describe(Filters=filters)[key]


def _name_tag(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def provision_network(ec2, bp: Blueprint) -> dict:
    vpc_name = f"{bp.name}-vpc"
    vpcs = _tagged(ec2, "vpc", vpc_name)
    if vpcs:
        vpc_id = vpcs[0]["VpcId"]
    else:
        vpc_id = ec2.create_vpc(
            CidrBlock=bp.vpc_cidr, TagSpecifications=_name_tag("vpc", vpc_name)
        )["Vpc"]["VpcId"]

    subnet_ids = []
    for index, (cidr, zone) in enumerate(
        zip(bp.subnet_cidrs, bp.availability_zones, strict=True), start=1
    ):
        subnet_name = f"{bp.name}-private-{index}"
        found = _tagged(ec2, "subnet", subnet_name, vpc_id)
        if found:
            subnet_ids.append(found[0]["SubnetId"])
            continue
        subnet = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=bp.region + zone,
            TagSpecifications=_name_tag("subnet", subnet_name),
        )["Subnet"]
        subnet_ids.append(subnet["SubnetId"])

    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "group-name", "Values": [bp.security_group]},
            {"Name": "vpc-id", "Values": [vpc_id]},
        ]
    )["SecurityGroups"]
    if groups:
        group_id = groups[0]["GroupId"]
    else:
        group_id = ec2.create_security_group(
            GroupName=bp.security_group,
            Description="AnimeHub API tasks: HTTP from the load balancer",
            VpcId=vpc_id,
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=group_id,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": bp.container_port,
                    "ToPort": bp.container_port,
                    "IpRanges": [{"CidrIp": bp.vpc_cidr}],
                }
            ],
        )
    return {"vpc_id": vpc_id, "subnet_ids": tuple(subnet_ids), "security_group_id": group_id}
