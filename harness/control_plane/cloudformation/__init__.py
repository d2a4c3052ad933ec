"""The blueprint rendered as one CloudFormation template for the whole AnimeHub deployment:
what `harness blueprint --format cloudformation` prints and the `aws` backend's stack runs."""

from __future__ import annotations

import yaml

from harness.control_plane.backends.aws import OUTPUT_KEYS
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.cloudformation.compute import ecs_resources
from harness.control_plane.cloudformation.content import bucket_resources, distribution_resources
from harness.control_plane.cloudformation.data import data_resources
from harness.control_plane.cloudformation.intrinsics import (
    ENVIRONMENT,
    IMAGE_TAG,
    get_att,
    join,
    ref,
)
from harness.control_plane.cloudformation.network import network_resources
from harness.control_plane.cloudformation.scaling import scaling_resources

__all__ = ["render_template", "template_yaml"]

# The value of each output the aws backend reads (harness/control_plane/backends/aws.py).
_OUTPUT_VALUES = {
    "web_bucket": ref("WebBucket"),
    "media_bucket": ref("MediaBucket"),
    "anime_table": ref("AnimeTable"),
    "users_table": ref("UsersTable"),
    "user_pool_id": ref("UserPool"),
    "user_pool_client_id": ref("UserPoolClient"),
    "topic_arn": ref("SharedTopic"),
    "queue_url": ref("SharesQueue"),
    "queue_arn": get_att("SharesQueue", "Arn"),
    "vpc_id": ref("Vpc"),
    "security_group_id": get_att("TaskSecurityGroup", "GroupId"),
    "cluster": ref("Cluster"),
    "task_definition_arn": ref("TaskDefinition"),
    "service": get_att("Service", "Name"),
    "load_balancer_arn": ref("LoadBalancer"),
    "load_balancer_dns": get_att("LoadBalancer", "DNSName"),
    "listener_arn": ref("Listener"),
    "target_group_arn": ref("TargetGroup"),
    "distribution_id": ref("Distribution"),
    "distribution_domain": get_att("Distribution", "DomainName"),
}


def _outputs(bp: Blueprint) -> dict:
    values = {
        **_OUTPUT_VALUES,
        "anime_feed_index": bp.anime_feed_index,
        "subnet_ids": join(
            ",", [ref(f"PrivateSubnet{i}") for i in range(1, len(bp.private_subnet_cidrs) + 1)]
        ),
    }
    return {key: {"Value": values[field]} for field, key in OUTPUT_KEYS.items()}


def render_template(bp: Blueprint) -> dict:
    resources = {
        **network_resources(bp),
        **ecs_resources(bp),
        **bucket_resources(bp),
        **distribution_resources(bp),
        **data_resources(bp),
        **scaling_resources(bp),
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"AnimeHub {bp.version}: web (S3 + CloudFront), API (ECS Fargate behind"
        " an ALB), DynamoDB, Cognito and SNS, rendered from the harness's blueprint",
        "Parameters": {
            ENVIRONMENT: {
                "Type": "String",
                "Description": "Names every resource, so environments live side by side",
                "AllowedPattern": "^[a-z][a-z0-9]{1,11}$",
                "ConstraintDescription": "2-12 lowercase letters and digits, a letter first",
                "Default": "staging",
            },
            IMAGE_TAG: {
                "Type": "String",
                "Description": "Tag of the API image in the stack's ECR repository",
                "Default": bp.version,
            },
        },
        "Resources": resources,
        "Outputs": _outputs(bp),
    }


class _NoAliases(yaml.SafeDumper):
    # CloudFormation rejects YAML anchors and aliases, which PyYAML writes for shared objects.
    def ignore_aliases(self, data) -> bool:
        return True


def template_yaml(bp: Blueprint) -> str:
    return yaml.dump(render_template(bp), Dumper=_NoAliases, sort_keys=False, width=100)
