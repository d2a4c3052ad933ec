"""DynamoDB: the anime table with its newest-first feed index, and the users table."""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError

from harness.control_plane.blueprint import Blueprint

log = logging.getLogger(__name__)
# What an emulator without DynamoDB backups answers (dynalite: UnknownOperationException).
NOT_IMPLEMENTED = ("UnknownOperationException", "NotImplementedError", "InvalidAction")


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
    # A table answers reads and writes only once ACTIVE (CREATING first, as in AWS).
    waiter = dynamodb.get_waiter("table_exists")
    for table in (bp.anime_table, bp.users_table):
        waiter.wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    for table in (bp.anime_table, bp.users_table):
        _point_in_time_recovery(dynamodb, table)
    return {
        "anime_table": bp.anime_table,
        "anime_feed_index": bp.anime_feed_index,
        "users_table": bp.users_table,
    }


def _point_in_time_recovery(dynamodb, table: str) -> None:
    """PITR on, so a table can be restored to any second of the last 35 days (DynamoDB
    developer guide, PointInTimeRecovery)."""
    try:
        described = dynamodb.describe_continuous_backups(TableName=table)[
            "ContinuousBackupsDescription"
        ]
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in NOT_IMPLEMENTED:
            raise
        # An emulator without backups (dynalite): the rest of the stack still works; AWS has
        # PITR, so the template keeps it (docs/fidelity.md lists the gap).
        log.warning("dynamodb: %s: no point-in-time recovery on this emulator (%s)", table, exc)
        return
    status = described.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    if status != "ENABLED":
        dynamodb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
