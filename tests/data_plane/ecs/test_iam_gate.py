"""The ECS agent's IAM gate, on its own listener and called in-process (as the AWS fault proxy
calls it): a call the role's policy allows goes on to the emulator, one it does not is
answered as DynamoDB answers an unauthorized caller [AWS: task-iam-roles;
reference_policies_evaluation-logic]."""

import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.data_plane.ecs.iam_gate import IamGate

ACCESS_KEY = "ASIAGATETESTKEY00001"


@pytest.fixture
def role(endpoints):
    iam = endpoints.client("iam")
    name = f"gate-test-{uuid.uuid4().hex[:8]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="only-list", PolicyDocument=json.dumps(policy))
    yield arn
    iam.delete_role_policy(RoleName=name, PolicyName="only-list")
    iam.delete_role(RoleName=name)


@pytest.fixture
def gate(endpoints, role):
    running = IamGate(endpoints, {ACCESS_KEY: role}.get).start()
    yield running
    running.stop()


def _dynamodb(url: str, region: str):
    return boto3.client(
        "dynamodb",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def test_through_its_listener_an_allowed_call_goes_on_and_another_is_refused(gate, endpoints):
    client = _dynamodb(gate.url, endpoints.region)
    assert "TableNames" in client.list_tables()
    with pytest.raises(ClientError, match="AccessDeniedException.*dynamodb:GetItem"):
        client.get_item(TableName="anything", Key={"id": {"S": "1"}})
    assert gate.refusals == 1


def _signed_headers(region: str, operation: str, params: dict) -> tuple[dict, bytes]:
    """The headers and body boto3 would send for one DynamoDB call, signed with the key."""
    captured = {}
    client = _dynamodb("http://127.0.0.1:9", region)

    def capture(request, **_):
        captured["headers"] = {k.lower(): v for k, v in request.headers.items()}
        captured["body"] = request.body
        raise ConnectionAbortedError  # captured; nothing is sent

    client.meta.events.register("before-send.dynamodb.*", capture)
    with pytest.raises(ConnectionAbortedError):
        getattr(client, operation)(**params)
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in captured["headers"].items()}
    return headers, captured["body"]


def test_in_process_only_the_call_the_policy_does_not_allow_gets_an_answer(
    gate, endpoints, run_on_own_loop
):
    allowed = _signed_headers(endpoints.region, "list_tables", {})
    refused = _signed_headers(
        endpoints.region, "get_item", {"TableName": "anything", "Key": {"id": {"S": "1"}}}
    )
    assert run_on_own_loop(gate.refusal(*allowed)) is None
    answer = run_on_own_loop(gate.refusal(*refused))
    assert answer.status_code == 400
    assert b"is not authorized to perform: dynamodb:GetItem" in answer.body
