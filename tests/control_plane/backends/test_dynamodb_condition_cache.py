"""The embedded moto parses a condition expression without names or values once, and answers
as before: a condition that holds writes, one that fails is ConditionalCheckFailedException
each time, an expression that does not parse fails each time
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html)."""

import uuid

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.dynamodb.comparisons import ConditionExpressionParser

from harness.control_plane.backends import dynamodb_condition_cache


@pytest.fixture
def table(endpoints):
    dynamodb = endpoints.client("dynamodb")
    name = f"conditions-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb, name


@pytest.fixture
def parses(monkeypatch):
    """The expressions moto really parsed (not handed out again)."""
    seen = []
    lex = ConditionExpressionParser._lex_condition_expression

    def counted(parser):
        seen.append(parser.condition_expression)
        return lex(parser)

    monkeypatch.setattr(ConditionExpressionParser, "_lex_condition_expression", counted)
    monkeypatch.setattr(dynamodb_condition_cache, "_parsed", {})
    return seen


def test_an_expression_is_parsed_once_and_still_decides_each_put(table, parses):
    dynamodb, name = table
    condition = "attribute_not_exists(id)"
    for n in range(3):
        item = {"id": {"S": f"share-{n}"}}
        dynamodb.put_item(TableName=name, Item=item, ConditionExpression=condition)
    with pytest.raises(ClientError, match="ConditionalCheckFailedException"):
        dynamodb.put_item(
            TableName=name, Item={"id": {"S": "share-1"}}, ConditionExpression=condition
        )
    assert parses.count(condition) == 1
    assert dynamodb.scan(TableName=name)["Count"] == 3


def test_an_expression_that_does_not_parse_fails_every_time(endpoints, table, parses):
    """moto answers an expression it cannot parse with a 500 (AWS: ValidationException)."""
    _, name = table
    dynamodb = endpoints.client("dynamodb", config=Config(retries={"total_max_attempts": 1}))
    for _ in range(2):
        with pytest.raises(ClientError, match=r"\(500\)"):
            dynamodb.put_item(
                TableName=name,
                Item={"id": {"S": "x"}},
                ConditionExpression="attribute_not_exists(",
            )
    assert dynamodb_condition_cache._parsed == {}


def test_expressions_with_names_or_values_are_parsed_each_time(table, parses):
    dynamodb, name = table
    dynamodb.put_item(TableName=name, Item={"id": {"S": "mine"}, "owner": {"S": "ann"}})

    def put(owner: str) -> None:
        dynamodb.put_item(
            TableName=name,
            Item={"id": {"S": "mine"}, "owner": {"S": "ann"}},
            ConditionExpression="#o = :owner",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":owner": {"S": owner}},
        )

    put("ann")
    with pytest.raises(ClientError, match="ConditionalCheckFailedException"):
        put("bob")
    put("ann")
    assert parses.count("#o = :owner") == 6  # twice a call, as moto does
