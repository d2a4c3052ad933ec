"""The template's data tier and its neighbours: the DynamoDB tables (encrypted), the fans' user
pool and web client, the anime-shared topic and the queue subscribed to it."""

from __future__ import annotations

from harness.control_plane.access_policies import topic_to_queue_policy
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.cloudformation.intrinsics import get_att, ref, scoped, sub
from harness.control_plane.provision.identity import AUTH_FLOWS


def _table(name, attributes: dict[str, str], key: list[tuple[str, str]], **extra) -> dict:
    return {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": n, "AttributeType": t} for n, t in attributes.items()
            ],
            "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in key],
            "SSESpecification": {"SSEEnabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            **extra,
        },
    }


def data_resources(bp: Blueprint) -> dict:
    env = scoped(bp)
    return {
        "AnimeTable": _table(
            sub(env.anime_table),
            {"id": "S", "feed": "S", "shared_at": "S"},
            [("id", "HASH")],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": bp.anime_feed_index,
                    "KeySchema": [
                        {"AttributeName": "feed", "KeyType": "HASH"},
                        {"AttributeName": "shared_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        ),
        "UsersTable": _table(sub(env.users_table), {"user_id": "S"}, [("user_id", "HASH")]),
        "UserPool": {
            "Type": "AWS::Cognito::UserPool",
            "Properties": {
                "UserPoolName": sub(env.user_pool),
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": bp.password_min_length,
                        "RequireUppercase": True,
                        "RequireLowercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": False,
                    }
                },
            },
        },
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "ClientName": sub(env.app_client),
                "UserPoolId": ref("UserPool"),
                "GenerateSecret": False,
                "ExplicitAuthFlows": AUTH_FLOWS,
            },
        },
        "SharedTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": sub(env.shared_topic),
                "KmsMasterKeyId": "alias/aws/sns",
            },
        },
        "SharesQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": sub(env.queue), "SqsManagedSseEnabled": True},
        },
        "SharesQueuePolicy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [ref("SharesQueue")],
                "PolicyDocument": topic_to_queue_policy(
                    queue_arn=get_att("SharesQueue", "Arn"), topic_arn=ref("SharedTopic")
                ),
            },
        },
        "SharesSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": ref("SharedTopic"),
                "Protocol": "sqs",
                "Endpoint": get_att("SharesQueue", "Arn"),
            },
        },
    }
