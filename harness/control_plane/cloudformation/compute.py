"""The template's app tier: the ECR repository, the task's log group and roles, the ECS
cluster/task definition/service, and the load balancer in front of it."""

from __future__ import annotations

from harness.control_plane.access_policies import (
    ecs_tasks_trust_policy,
    execution_role_policy,
    task_role_policy,
)
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.cloudformation.intrinsics import IMAGE_TAG, get_att, ref, scoped, sub
from harness.control_plane.provision.compute import api_environment


def _made_for_environment(bp: Blueprint) -> dict:
    """What the API container is told, as references to the template's own resources."""
    return {
        "anime_table": ref("AnimeTable"),
        "anime_feed_index": bp.anime_feed_index,
        "users_table": ref("UsersTable"),
        "topic_arn": ref("SharedTopic"),
        "media_bucket": ref("MediaBucket"),
        "user_pool_id": ref("UserPool"),
        "user_pool_client_id": ref("UserPoolClient"),
    }


def _role(name, policy_name: str, policy: dict) -> dict:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": name,
            "AssumeRolePolicyDocument": ecs_tasks_trust_policy(),
            "Policies": [{"PolicyName": policy_name, "PolicyDocument": policy}],
        },
    }


def roles(bp: Blueprint) -> dict:
    env = scoped(bp)
    return {
        "ExecutionRole": _role(
            sub(env.execution_role),
            "pull-image-and-write-logs",
            execution_role_policy(
                repository_arn=get_att("ApiRepository", "Arn"),
                log_group_arn=get_att("ApiLogGroup", "Arn"),
            ),
        ),
        "TaskRole": _role(
            sub(env.task_role),
            "api-calls",
            task_role_policy(
                anime_table_arn=get_att("AnimeTable", "Arn"),
                anime_feed_index_arn=sub(f"${{AnimeTable.Arn}}/index/{bp.anime_feed_index}"),
                users_table_arn=get_att("UsersTable", "Arn"),
                topic_arn=ref("SharedTopic"),
                media_uploads_arn=sub("${MediaBucket.Arn}/media/users/*"),
            ),
        ),
    }


def _container(bp: Blueprint) -> dict:
    environment = api_environment(bp, _made_for_environment(bp))
    return {
        "Name": bp.container_name,
        "Image": sub(
            "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/${ApiRepository}:${"
            + IMAGE_TAG
            + "}"
        ),
        "Essential": True,
        "PortMappings": [{"ContainerPort": bp.container_port, "Protocol": "tcp"}],
        "Environment": [{"Name": k, "Value": v} for k, v in sorted(environment.items())],
        "LogConfiguration": {
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": ref("ApiLogGroup"),
                "awslogs-region": ref("AWS::Region"),
                "awslogs-stream-prefix": bp.container_name,
            },
        },
    }


def ecs_resources(bp: Blueprint) -> dict:
    env = scoped(bp)
    hc = bp.health_check
    return {
        "ApiRepository": {
            "Type": "AWS::ECR::Repository",
            "Properties": {
                "RepositoryName": sub(env.task_family),
                "ImageTagMutability": "IMMUTABLE",
                "ImageScanningConfiguration": {"ScanOnPush": True},
                "EncryptionConfiguration": {"EncryptionType": "AES256"},
            },
        },
        "ApiLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": sub(env.log_group),
                "RetentionInDays": bp.log_retention_days,
            },
        },
        **roles(bp),
        "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": sub(env.cluster)}},
        "TaskDefinition": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {
                "Family": sub(env.task_family),
                "RequiresCompatibilities": ["FARGATE"],
                "NetworkMode": "awsvpc",
                "Cpu": bp.cpu,
                "Memory": bp.memory,
                "ExecutionRoleArn": get_att("ExecutionRole", "Arn"),
                "TaskRoleArn": get_att("TaskRole", "Arn"),
                "ContainerDefinitions": [_container(bp)],
            },
        },
        "Service": {
            "Type": "AWS::ECS::Service",
            # The target group must be attached to a listener before a service can use it.
            "DependsOn": "Listener",
            "Properties": {
                "ServiceName": sub(env.service),
                "Cluster": ref("Cluster"),
                "TaskDefinition": ref("TaskDefinition"),
                "DesiredCount": bp.desired_count,
                "LaunchType": "FARGATE",
                "DeploymentConfiguration": {"MaximumPercent": 200, "MinimumHealthyPercent": 100},
                "HealthCheckGracePeriodSeconds": 10,
                "NetworkConfiguration": {
                    "AwsvpcConfiguration": {
                        "AssignPublicIp": "DISABLED",
                        "Subnets": [
                            ref(f"PrivateSubnet{i}")
                            for i in range(1, len(bp.private_subnet_cidrs) + 1)
                        ],
                        "SecurityGroups": [ref("TaskSecurityGroup")],
                    }
                },
                "LoadBalancers": [
                    {
                        "ContainerName": bp.container_name,
                        "ContainerPort": bp.container_port,
                        "TargetGroupArn": ref("TargetGroup"),
                    }
                ],
            },
        },
        "TargetGroup": {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            "Properties": {
                "Name": sub(env.target_group),
                "Protocol": "HTTP",
                "Port": bp.container_port,
                "VpcId": ref("Vpc"),
                "TargetType": "ip",
                "HealthCheckProtocol": "HTTP",
                "HealthCheckPath": hc.path,
                "HealthCheckIntervalSeconds": hc.interval_seconds,
                "HealthCheckTimeoutSeconds": hc.timeout_seconds,
                "HealthyThresholdCount": hc.healthy_threshold,
                "UnhealthyThresholdCount": hc.unhealthy_threshold,
                "Matcher": {"HttpCode": hc.success_codes},
                "TargetGroupAttributes": [
                    {
                        "Key": "deregistration_delay.timeout_seconds",
                        "Value": str(bp.deregistration_delay_seconds),
                    }
                ],
            },
        },
        "LoadBalancer": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            # An internet-facing ALB needs its subnets routed to the internet gateway.
            "DependsOn": "PublicInternetRoute",
            "Properties": {
                "Name": sub(env.load_balancer),
                "Type": "application",
                "Scheme": "internet-facing",
                "Subnets": [
                    ref(f"PublicSubnet{i}") for i in range(1, len(bp.public_subnet_cidrs) + 1)
                ],
                "SecurityGroups": [ref("LoadBalancerSecurityGroup")],
                "LoadBalancerAttributes": [
                    {"Key": "idle_timeout.timeout_seconds", "Value": str(bp.idle_timeout_seconds)}
                ],
            },
        },
        "Listener": {
            "Type": "AWS::ElasticLoadBalancingV2::Listener",
            "Properties": {
                "LoadBalancerArn": ref("LoadBalancer"),
                "Protocol": "HTTP",
                "Port": bp.listener_port,
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": ref("TargetGroup")}],
            },
        },
    }
