"""DynamoDB: the anime table with its newest-first feed index, and the users table."""

from __future__ import annotations

from botocore.exceptions import ClientError

from harness.control_plane.blueprint import Blueprint


def _exists(dynamodb, name: str) -> bool:
    try:
        dynamodb.describe_table(TableName=name)
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return False


def anime_table(name: str, feed_index: str) -> dict:
    """create_table's arguments for the anime table and its newest-first feed index."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "feed", "AttributeType": "S"},
            {"AttributeName": "shared_at", "AttributeType": "S"},
        ],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": feed_index,
                "KeySchema": [
                    {"AttributeName": "feed", "KeyType": "HASH"},
                    {"AttributeName": "shared_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


def users_table(name: str) -> dict:
    """create_table's arguments for the users table."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "user_id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"}],
    }


def provision_tables(dynamodb, bp: Blueprint) -> dict:
    if not _exists(dynamodb, bp.anime_table):
        dynamodb.create_table(**anime_table(bp.anime_table, bp.anime_feed_index))
    if not _exists(dynamodb, bp.users_table):
        dynamodb.create_table(**users_table(bp.users_table))
    return {
        "anime_table": bp.anime_table,
        "anime_feed_index": bp.anime_feed_index,
        "users_table": bp.users_table,
    }
