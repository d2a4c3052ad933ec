"""What the AWS fault proxy's tests share."""

import boto3
import pytest
from botocore.config import Config

from harness.plumbing.servers import LOOPBACK, bind


@pytest.fixture
def client_through():
    """client_through(proxy, service, region): a boto3 client of `service` that calls through
    `proxy`, as a task does; one attempt, so a refusal or a fault is seen as the proxy answered."""
    return _client_through


def _client_through(proxy, service: str, region: str):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=proxy.url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


@pytest.fixture
def unserved_url():
    """A loopback URL nothing listens on: only an in-process hand-over can answer there."""
    sock = bind(LOOPBACK, 0, "test")
    url = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    sock.close()
    return url
