"""A fan's profile in the users table, and the one SNS subscription that carries their follows.

Each fan has at most one subscription to `anime-shared`, whose filter policy lists every genre
they follow; it moves when their push endpoint changes and goes when they follow nothing.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from api.anime_store import now_iso
from api.aws import error_code
from api.dynamo import dump, dump_item, load_item
from api.errors import ApiError, validation_error

log = logging.getLogger("api.fans")


def filter_policy(genres: list[str]) -> str:
    return json.dumps({"genre": sorted(genres)})


def profile(sub: str, username: str, item: dict) -> dict:
    return {
        "user_id": sub,
        "username": username,
        "follows": item.get("follows", []),
        "push_endpoint": item.get("push_endpoint"),
        "subscription_arn": item.get("subscription_arn"),
    }


class FanStore:
    def __init__(self, *, dynamodb, sns, table: str, topic_arn: str) -> None:
        self._dynamodb = dynamodb
        self._sns = sns
        self._table = table
        self._topic_arn = topic_arn

    def get(self, sub: str) -> dict:
        found = self._dynamodb.get_item(
            TableName=self._table, Key={"user_id": dump(sub)}, ConsistentRead=True
        )
        return load_item(found.get("Item", {}))

    def set_follows(self, sub: str, genres: list[str], endpoint: str | None) -> dict:
        current = self.get(sub)
        endpoint = endpoint or current.get("push_endpoint")
        if genres and not endpoint:
            raise validation_error("endpoint", "is required to follow genres")
        old_arn = current.get("subscription_arn")
        new_arn, created = None, None
        if genres:
            if old_arn and current.get("push_endpoint") == endpoint:
                new_arn = self._refilter(old_arn, genres)
            if new_arn is None:
                new_arn = created = self._subscribe(endpoint, genres)

        item = {
            "user_id": sub,
            "follows": genres,
            "push_endpoint": endpoint,
            "subscription_arn": new_arn,
            "version": current.get("version", 0) + 1,
            "updated_at": now_iso(),
        }
        try:
            self._save(item, expected_version=current.get("version"))
        except ApiError:
            if created:
                self._unsubscribe(created)
            raise
        if old_arn and old_arn != new_arn:
            self._unsubscribe(old_arn)
        return item

    def _save(self, item: dict, *, expected_version: int | None) -> None:
        # Optimistic locking: two concurrent updates must not both move the subscription.
        if expected_version is None:
            condition = {"ConditionExpression": "attribute_not_exists(user_id)"}
        else:
            condition = {
                "ConditionExpression": "version = :version",
                "ExpressionAttributeValues": {":version": dump(expected_version)},
            }
        try:
            self._dynamodb.put_item(TableName=self._table, Item=dump_item(item), **condition)
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            raise ApiError(
                409, "conflict", "follows changed at the same time; retry", field="genres"
            ) from None

    def _subscribe(self, endpoint: str, genres: list[str]) -> str:
        response = self._sns.subscribe(
            TopicArn=self._topic_arn,
            Protocol=urlsplit(endpoint).scheme,
            Endpoint=endpoint,
            Attributes={"FilterPolicy": filter_policy(genres)},
            ReturnSubscriptionArn=True,
        )
        return response["SubscriptionArn"]

    def _refilter(self, arn: str, genres: list[str]) -> str | None:
        """Sets the filter policy; None if the subscription is gone and must be made again."""
        try:
            self._sns.set_subscription_attributes(
                SubscriptionArn=arn,
                AttributeName="FilterPolicy",
                AttributeValue=filter_policy(genres),
            )
        except ClientError as exc:
            if error_code(exc) not in ("NotFound", "InvalidParameter"):
                raise
            return None
        return arn

    def _unsubscribe(self, arn: str) -> None:
        try:
            self._sns.unsubscribe(SubscriptionArn=arn)
        except ClientError as exc:
            if error_code(exc) not in ("NotFound", "InvalidParameter"):
                raise
