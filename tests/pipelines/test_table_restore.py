"""The restore pipeline's own steps (the whole run is scenarios/test_disaster_recovery.py):
the revision naming the restored table, and the task role reaching it. IAM policies and PITR
are not restored with a table [pointintimerecovery_restores: "You must manually set up ... IAM
policies ... Point in time recovery settings" on the restored table]."""

import json
import uuid

import pytest

from harness.errors import HarnessError
from harness.pipelines.table_restore import (
    RestorePoint,
    _variable_naming,
    grant_task_role,
    revision_naming,
)

CURRENT = {
    "family": "animehub-api",
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/animehub-api:3",
    "revision": 3,
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {
            "name": "api",
            "image": "repo/animehub-api:1",
            "environment": [
                {"name": "ANIME_TABLE", "value": "animehub-anime"},
                {"name": "USERS_TABLE", "value": "animehub-users"},
            ],
        }
    ],
}


def test_the_new_revision_changes_only_the_variable_naming_the_table():
    wanted = revision_naming(CURRENT, "ANIME_TABLE", "animehub-anime-restored")
    assert "taskDefinitionArn" not in wanted and "revision" not in wanted  # the API's output
    container = wanted["containerDefinitions"][0]
    assert container["image"] == "repo/animehub-api:1"
    assert container["environment"] == [
        {"name": "ANIME_TABLE", "value": "animehub-anime-restored"},
        {"name": "USERS_TABLE", "value": "animehub-users"},
    ]
    assert CURRENT["containerDefinitions"][0]["environment"][0]["value"] == "animehub-anime"


def test_the_variable_is_the_one_naming_the_source_table():
    assert _variable_naming(CURRENT, "animehub-users") == "USERS_TABLE"
    with pytest.raises(
        HarnessError, match=r"names no table other \(it names animehub-anime, animehub-users\)"
    ):
        _variable_naming(CURRENT, "other")


def test_the_task_role_reaches_the_restored_table_and_its_indexes(endpoints):
    iam = endpoints.client("iam")
    role = f"restore-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/animehub-anime"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": table},
            {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{table}/index/feed"},
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:us-east-1:1:t"},
        ],
    }
    iam.put_role_policy(RoleName=role, PolicyName="api-calls", PolicyDocument=json.dumps(policy))

    grant_task_role(iam, arn, "animehub-anime", "animehub-anime-r")

    got = iam.get_role_policy(RoleName=role, PolicyName="api-calls")["PolicyDocument"]
    resources = [s["Resource"] for s in got["Statement"]]
    assert resources == [
        [table, f"{table}-r"],
        [f"{table}/index/feed", f"{table}-r/index/feed"],
        "arn:aws:sns:us-east-1:1:t",
    ]


def test_a_point_in_time_is_written_in_utc():
    assert RestorePoint(at=0.0).describe() == "1970-01-01T00:00:00+00:00"
