"""What a Fargate task needs before it starts: the ECR repository its image comes from and the
CloudWatch Logs group its awslogs driver writes to."""

from __future__ import annotations

from botocore.exceptions import ClientError

from harness.control_plane.blueprint import Blueprint


def provision_repository(ecr, bp: Blueprint) -> dict:
    try:
        repo = ecr.describe_repositories(repositoryNames=[bp.image_repository])["repositories"][0]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "RepositoryNotFoundException":
            raise
        repo = ecr.create_repository(
            repositoryName=bp.image_repository,
            imageTagMutability="IMMUTABLE",
            imageScanningConfiguration={"scanOnPush": True},
            encryptionConfiguration={"encryptionType": "AES256"},
        )["repository"]
    return {"repository_arn": repo["repositoryArn"], "repository_uri": repo["repositoryUri"]}


def provision_log_group(logs, bp: Blueprint) -> dict:
    found = [
        g
        for g in logs.describe_log_groups(logGroupNamePrefix=bp.log_group)["logGroups"]
        if g["logGroupName"] == bp.log_group
    ]
    if not found:
        logs.create_log_group(logGroupName=bp.log_group)
        logs.put_retention_policy(logGroupName=bp.log_group, retentionInDays=bp.log_retention_days)
        found = logs.describe_log_groups(logGroupNamePrefix=bp.log_group)["logGroups"]
    return {"log_group": bp.log_group, "log_group_arn": found[0]["arn"]}
