"""IAM: the task's execution role (image pull, logs) and its least-privilege task role, with the
documents of harness/control_plane/access_policies.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote

from botocore.exceptions import ClientError

from harness.control_plane.access_policies import (
    ecs_tasks_trust_policy,
    execution_role_policy,
    task_role_policy,
)
from harness.control_plane.blueprint import Blueprint

TASK_ROLE_POLICY = "api-calls"
EXECUTION_ROLE_POLICY = "pull-image-and-write-logs"


def _policy_of(iam, role: str, name: str) -> dict | None:
    try:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return None
    return json.loads(unquote(document)) if isinstance(document, str) else document


def ensure_role(iam, name: str, policy_name: str, policy_for: Callable[[str], dict]) -> str:
    """The role `name` with one inline policy; `policy_for(account)` writes the policy for the
    account the role lives in."""
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        arn = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(ecs_tasks_trust_policy())
        )["Role"]["Arn"]
    policy = policy_for(arn.split(":")[4])
    if _policy_of(iam, name, policy_name) != policy:
        iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(policy)
        )
    return arn


def task_policy_for(bp: Blueprint, made: dict, account: str) -> dict:
    # The tables' ARNs in the account IAM evaluates in, as on AWS where they are one account
    # (an emulator of DynamoDB alone may report another account in its TableArn).
    def table_arn(name: str) -> str:
        return f"arn:aws:dynamodb:{bp.region}:{account}:table/{name}"

    anime = table_arn(made["anime_table"])
    return task_role_policy(
        anime_table_arn=anime,
        anime_feed_index_arn=f"{anime}/index/{made['anime_feed_index']}",
        users_table_arn=table_arn(made["users_table"]),
        topic_arn=made["topic_arn"],
        media_uploads_arn=f"arn:aws:s3:::{made['media_bucket']}/media/users/*",
    )


def provision_roles(iam, bp: Blueprint, made: dict) -> dict:
    execution = ensure_role(
        iam,
        bp.execution_role,
        EXECUTION_ROLE_POLICY,
        lambda _account: execution_role_policy(
            repository_arn=made["repository_arn"], log_group_arn=made["log_group_arn"]
        ),
    )
    task = ensure_role(
        iam, bp.task_role, TASK_ROLE_POLICY, lambda account: task_policy_for(bp, made, account)
    )
    return {"execution_role_arn": execution, "task_role_arn": task}
