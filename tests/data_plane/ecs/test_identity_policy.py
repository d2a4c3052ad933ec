"""Identity-based policy evaluation for the IAM gate [AWS: reference_policies_evaluation-logic]."""

import pytest

from harness.control_plane.access_policies import task_role_policy
from harness.data_plane.ecs.identity_policy import allows

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/animehub-anime"
POLICY = task_role_policy(
    anime_table_arn=TABLE,
    anime_feed_index_arn=f"{TABLE}/index/feed-by-shared-at",
    users_table_arn="arn:aws:dynamodb:us-east-1:123456789012:table/animehub-users",
    topic_arn="arn:aws:sns:us-east-1:123456789012:anime-shared",
    media_uploads_arn="arn:aws:s3:::animehub-media/media/users/*",
)


@pytest.mark.parametrize(
    ("action", "resource", "allowed"),
    [
        ("dynamodb:PutItem", TABLE, True),
        ("DynamoDB:putitem", TABLE, True),  # actions are case-insensitive
        ("dynamodb:Query", f"{TABLE}/index/feed-by-shared-at", True),
        ("dynamodb:Query", TABLE, False),  # the index is granted, not the base table
        ("dynamodb:Scan", TABLE, False),
        ("dynamodb:PutItem", TABLE.replace("anime", "other"), False),
        ("sns:Publish", "arn:aws:sns:us-east-1:123456789012:anime-shared", True),
        ("sns:Publish", "arn:aws:sns:us-east-1:123456789012:elsewhere", False),
        ("s3:PutObject", "arn:aws:s3:::animehub-media/media/users/abc/x.png", True),
        ("s3:PutObject", "arn:aws:s3:::animehub-media/web/index.html", False),
    ],
)
def test_the_task_role_allows_exactly_its_grants(action, resource, allowed):
    assert allows([POLICY], action, resource) is allowed


def test_an_explicit_deny_wins():
    deny = {"Statement": [{"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}]}
    assert not allows([POLICY, deny], "dynamodb:GetItem", TABLE)


def test_no_policy_is_the_implicit_deny():
    assert not allows([], "dynamodb:GetItem", TABLE)
