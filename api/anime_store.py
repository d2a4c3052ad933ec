"""Shared anime in DynamoDB, and the `anime-shared` notification a share sends."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from api.aws import error_code
from api.dynamo import dump, dump_item, load_item
from api.errors import ApiError, not_found, validation_error

log = logging.getLogger("api.anime")

FEED = "anime"
ID_PATTERN = re.compile(r"[0-9a-f]{32}")
_SHARED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_MAX_CURSOR_CHARS = 512
_OWNER_CONDITION = "attribute_exists(id) AND sharer = :sub"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_id(anime_id: str) -> str:
    if not ID_PATTERN.fullmatch(anime_id):
        raise validation_error("id", "must be 32 lowercase hex characters", status=400)
    return anime_id


def encode_cursor(last_key: dict) -> str:
    values = load_item(last_key)
    data = {"id": values["id"], "shared_at": values["shared_at"]}
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> dict:
    """The GSI key a cursor stands for; anything that is not one of ours is a 400."""
    bad = validation_error("cursor", "is not a cursor this API issued", status=400)
    if len(cursor) > _MAX_CURSOR_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise bad from None
    if (
        not isinstance(data, dict)
        or set(data) != {"id", "shared_at"}
        or not isinstance(data["id"], str)
        or not isinstance(data["shared_at"], str)
        or not ID_PATTERN.fullmatch(data["id"])
        or not _SHARED_AT.fullmatch(data["shared_at"])
    ):
        raise bad
    return dump_item({"id": data["id"], "feed": FEED, "shared_at": data["shared_at"]})


def public(item: dict) -> dict:
    """An anime as clients see it."""
    cover_key = item.get("cover_key")
    return {
        "id": item["id"],
        "title": item["title"],
        "synopsis": item.get("synopsis", ""),
        "episodes": item.get("episodes"),
        "genres": item.get("genres", []),
        "year": item["year"],
        "cover_key": cover_key,
        "cover_url": f"/{cover_key}" if cover_key else None,
        "sharer": item["sharer"],
        "shared_at": item["shared_at"],
        "updated_at": item.get("updated_at", item["shared_at"]),
    }


class AnimeStore:
    def __init__(self, *, dynamodb, sns, table: str, feed_index: str, topic_arn: str) -> None:
        self._dynamodb = dynamodb
        self._sns = sns
        self._table = table
        self._feed_index = feed_index
        self._topic_arn = topic_arn

    def list(self, *, limit: int, cursor: str | None) -> dict:
        request = {
            "TableName": self._table,
            "IndexName": self._feed_index,
            "KeyConditionExpression": "feed = :feed",
            "ExpressionAttributeValues": {":feed": dump(FEED)},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            request["ExclusiveStartKey"] = decode_cursor(cursor)
        page = self._dynamodb.query(**request)
        last_key = page.get("LastEvaluatedKey")
        return {
            "items": [public(load_item(item)) for item in page.get("Items", [])],
            "next_cursor": encode_cursor(last_key) if last_key else None,
        }

    def get(self, anime_id: str) -> dict:
        found = self._dynamodb.get_item(
            TableName=self._table, Key={"id": dump(check_id(anime_id))}, ConsistentRead=True
        )
        if "Item" not in found:
            raise not_found()
        return public(load_item(found["Item"]))

    def share(self, fields: dict, *, sharer: str) -> dict:
        """Stores the anime, then announces it; a share that cannot be announced is undone."""
        item = {
            "synopsis": "",
            **fields,
            "id": uuid.uuid4().hex,
            "feed": FEED,
            "sharer": sharer,
            "shared_at": now_iso(),
        }
        item["updated_at"] = item["shared_at"]
        self._dynamodb.put_item(
            TableName=self._table,
            Item=dump_item(item),
            ConditionExpression="attribute_not_exists(id)",
        )
        anime = public(item)
        try:
            self._announce(anime)
        except (BotoCoreError, ClientError):
            self._dynamodb.delete_item(TableName=self._table, Key={"id": dump(item["id"])})
            raise
        return anime

    def _announce(self, anime: dict) -> None:
        self._sns.publish(
            TopicArn=self._topic_arn,
            Message=json.dumps({"type": "anime.shared", "anime": anime}),
            MessageAttributes={
                "genre": {"DataType": "String.Array", "StringValue": json.dumps(anime["genres"])},
                "anime_id": {"DataType": "String", "StringValue": anime["id"]},
                "sharer": {"DataType": "String", "StringValue": anime["sharer"]},
            },
        )

    def update(self, anime_id: str, changes: dict, *, owner: str) -> dict:
        to_set = {name: value for name, value in changes.items() if value is not None}
        to_set["updated_at"] = now_iso()
        to_remove = [name for name, value in changes.items() if value is None]
        names = {f"#{name}": name for name in [*to_set, *to_remove]}
        values = {f":{name}": dump(value) for name, value in to_set.items()}
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in to_set)
        if to_remove:
            expression += " REMOVE " + ", ".join(f"#{name}" for name in to_remove)
        updated = self._owned_write(
            self._dynamodb.update_item,
            anime_id,
            owner,
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, ":sub": dump(owner)},
            ReturnValues="ALL_NEW",
        )
        return public(load_item(updated["Attributes"]))

    def delete(self, anime_id: str, *, owner: str) -> None:
        self._owned_write(
            self._dynamodb.delete_item,
            anime_id,
            owner,
            ExpressionAttributeValues={":sub": dump(owner)},
        )

    def _owned_write(self, write, anime_id: str, owner: str, **request) -> dict:
        """A write that DynamoDB applies only if `owner` shared the item: 404 or 403 otherwise."""
        key = {"id": dump(check_id(anime_id))}
        try:
            return write(
                TableName=self._table,
                Key=key,
                ConditionExpression=_OWNER_CONDITION,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **request,
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            if "Item" in exc.response:
                existed = bool(exc.response["Item"])
            else:  # backends that do not return the old item
                existed = "Item" in self._dynamodb.get_item(
                    TableName=self._table, Key=key, ConsistentRead=True
                )
        if existed:
            raise ApiError(403, "forbidden", "only the fan who shared this anime may change it")
        raise not_found()
