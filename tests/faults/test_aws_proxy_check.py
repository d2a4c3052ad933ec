"""The AWS fault proxy's in-process check (the ECS agent's IAM gate): asked after the fault
rules and before the emulator, its answer goes back to the caller, and a call it lets through
reaches the emulator as the gate itself would forward it."""

import gzip
import json

import pytest
from botocore.exceptions import ClientError
from starlette.responses import Response

from harness.faults.aws_proxy import AwsFaultProxy
from harness.faults.rules import new_fault
from harness.faults.store import FaultStore

DENIED = {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": "not allowed"}


class Check:
    def __init__(self, refuse: bool) -> None:
        self.refuse, self.seen = refuse, []

    async def __call__(self, headers, body):
        self.seen.append((headers.get("x-amz-target"), body))
        if not self.refuse:
            return None
        return Response(
            json.dumps(DENIED), status_code=400, media_type="application/x-amz-json-1.0"
        )


@pytest.fixture
def proxy(endpoints, tmp_path):
    store = FaultStore(tmp_path)
    with AwsFaultProxy(endpoints, store) as running:
        running.store = store
        yield running


def test_a_call_the_check_lets_through_reaches_the_emulator(proxy, endpoints, client_through):
    check = Check(refuse=False)
    proxy.check(["dynamodb"], check)
    assert "TableNames" in client_through(proxy, "dynamodb", endpoints.region).list_tables()
    assert [target for target, _ in check.seen] == ["DynamoDB_20120810.ListTables"]


def test_the_checks_refusal_is_the_callers_answer(proxy, endpoints, client_through):
    proxy.check(["dynamodb"], Check(refuse=True))
    with pytest.raises(ClientError, match="AccessDeniedException.*not allowed"):
        client_through(proxy, "dynamodb", endpoints.region).list_tables()


def test_a_fault_answers_before_the_check_is_asked(proxy, endpoints, client_through):
    check = Check(refuse=False)
    proxy.check(["dynamodb"], check)
    proxy.store.add(new_fault("aws", "throttle", service="dynamodb"))
    with pytest.raises(ClientError, match="ThrottlingException|ProvisionedThroughputExceeded"):
        client_through(proxy, "dynamodb", endpoints.region).list_tables()
    assert check.seen == []


def test_the_checked_services_point_at_the_proxy(proxy):
    proxy.check(["dynamodb", "sns"], Check(refuse=False))
    env = proxy.task_environment()
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == env["AWS_ENDPOINT_URL_SNS"] == proxy.url


def test_an_object_stored_with_a_content_encoding_is_relayed_as_stored(
    proxy, endpoints, client_through
):
    """The proxy relays the emulator's bytes: a gzip object's body stays gzip, with its
    Content-Encoding (S3 returns an object's bytes and metadata as stored)."""
    stored = gzip.compress(b'{"title": "Frieren"}')
    s3 = endpoints.client("s3")
    s3.create_bucket(Bucket="relayed-as-stored")
    s3.put_object(Bucket="relayed-as-stored", Key="a.json", Body=stored, ContentEncoding="gzip")
    through = client_through(proxy, "s3", endpoints.region)
    answer = through.get_object(Bucket="relayed-as-stored", Key="a.json")
    assert answer["ContentEncoding"] == "gzip"
    assert answer["Body"].read() == stored
