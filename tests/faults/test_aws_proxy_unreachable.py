"""The AWS fault proxy's answer when the emulator it forwards to cannot be reached: a gateway's
502 naming the upstream, which the task's SDK treats as it treats a refused connection to a
real endpoint: a transient error, retried in standard mode (boto3 retries guide,
https://docs.aws.amazon.com/boto3/latest/guide/retries.html: "Transient errors/exceptions ...
HTTP status codes 500, 502, 503, 504" and connection errors), whatever the service's protocol."""

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.faults.aws_proxy import AwsFaultProxy
from harness.faults.store import FaultStore

CALLS = {"sns": "list_topics", "dynamodb": "list_tables", "sqs": "list_queues"}


@pytest.mark.parametrize("service", sorted(CALLS))
def test_an_unreachable_upstream_is_a_retried_502_for_every_protocol(
    endpoints, unserved_url, tmp_path, service
):
    with AwsFaultProxy(endpoints.pointing([service], unserved_url), FaultStore(tmp_path)) as proxy:
        client = boto3.client(
            service,
            region_name=endpoints.region,
            endpoint_url=proxy.url,
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
        )
        with pytest.raises(ClientError) as raised:
            getattr(client, CALLS[service])()
    answer = raised.value.response
    assert answer["Error"] == {"Code": "502", "Message": "Bad Gateway"}
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1


def test_the_502_names_the_upstream_it_could_not_reach(endpoints, unserved_url, tmp_path):
    scope = f"Credential=AKIDEXAMPLE/20261124/{endpoints.region}/sns/aws4_request"
    with AwsFaultProxy(endpoints.pointing(["sns"], unserved_url), FaultStore(tmp_path)) as proxy:
        answer = httpx.post(
            proxy.url,
            headers={"authorization": f"AWS4-HMAC-SHA256 {scope}"},
            content=b"Action=ListTopics",
        )
    assert answer.status_code == 502
    assert f"aws-faults cannot reach {unserved_url}" in answer.text
