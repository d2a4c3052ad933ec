"""One embedded moto server for the API's tests, the resources they need, and real tokens.

The emulator, the table definitions, the fans and the push sink are the harness's own (the
tests may borrow them; `api/` itself imports nothing from the harness, test_packaging checks).
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient; httpx is what this project installs.
    warnings.filterwarnings(
        "ignore", message="Using `httpx` with `starlette.testclient`", category=UserWarning
    )
    from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.control_plane.provision.tables import anime_table, users_table
from harness.data_plane.push_sink import PushSink
from harness.plumbing.waiting import wait_until
from harness.testkit.fans import Fan, create_fan

REGION = "us-east-1"


@dataclass
class Stack:
    """What the tests created in the emulator, and clients pointed at it."""

    endpoint: str
    env: dict[str, str]
    anime_table: str
    feed_index: str
    users_table: str
    topic_arn: str
    queue_url: str
    media_bucket: str
    user_pool_id: str
    client_id: str
    clients: dict = field(default_factory=dict)

    def client(self, service: str):
        if service not in self.clients:
            self.clients[service] = boto3.session.Session().client(
                service,
                region_name=REGION,
                endpoint_url=self.endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self.clients[service]

    def contract_env(self, **extra: str) -> dict[str, str]:
        """The endpoint variables plus the API's contract variables (docs/contracts.md)."""
        return {
            **self.env,
            "ANIME_TABLE": self.anime_table,
            "ANIME_FEED_INDEX": self.feed_index,
            "USERS_TABLE": self.users_table,
            "SHARED_TOPIC_ARN": self.topic_arn,
            "MEDIA_BUCKET": self.media_bucket,
            "COGNITO_USER_POOL_ID": self.user_pool_id,
            "COGNITO_CLIENT_ID": self.client_id,
            "COGNITO_JWKS_URL": f"{self.endpoint}/{self.user_pool_id}/.well-known/jwks.json",
            **extra,
        }

    def settings(self, **extra: str) -> Settings:
        return Settings.from_env(
            self.contract_env(TASK_ID="test-task", APP_VERSION="9.9.9", **extra)
        )

    def queue_messages(self, wanted, *, timeout: float = 5.0) -> list[dict]:
        """SNS envelopes on the test queue for which `wanted(envelope)` holds."""
        sqs, found = self.client("sqs"), []

        def some_found() -> list[dict]:
            batch = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            for message in batch:
                envelope = json.loads(message["Body"])
                if wanted(envelope):
                    found.append(envelope)
                    sqs.delete_message(
                        QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
            return found

        try:
            return wait_until(some_found, what="a wanted message on the queue", timeout=timeout)
        except TimeoutError:
            return found


@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    emulator = EmbeddedBackend(REGION).start()
    endpoint = emulator.endpoints.default
    env = {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
    }
    # The in-process app finds the emulator the way the deployed one finds AWS: through the
    # standard variables. Restored afterwards so other packages' tests do not see them.
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield _create_resources(endpoint, env)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        emulator.stop()


def _create_resources(endpoint: str, env: dict[str, str]) -> Stack:
    suffix = uuid.uuid4().hex[:8]
    stack = Stack(
        endpoint,
        env,
        f"anime-{suffix}",
        "feed-index",
        f"users-{suffix}",
        "",
        "",
        f"media-{suffix}",
        "",
        "",
    )
    dynamodb = stack.client("dynamodb")
    dynamodb.create_table(**anime_table(stack.anime_table, stack.feed_index))
    dynamodb.create_table(**users_table(stack.users_table))
    sns, sqs = stack.client("sns"), stack.client("sqs")
    stack.topic_arn = sns.create_topic(Name=f"anime-shared-{suffix}")["TopicArn"]
    stack.queue_url = sqs.create_queue(QueueName=f"shares-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=stack.topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "false"},
    )
    stack.client("s3").create_bucket(Bucket=stack.media_bucket)
    cognito = stack.client("cognito-idp")
    stack.user_pool_id = cognito.create_user_pool(PoolName=f"fans-{suffix}")["UserPool"]["Id"]
    stack.client_id = cognito.create_user_pool_client(
        UserPoolId=stack.user_pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return stack


def sign_up(stack: Stack) -> Fan:
    return create_fan(stack.client("cognito-idp"), stack.user_pool_id, stack.client_id)


@pytest.fixture(scope="package")
def client(stack: Stack) -> Iterator[TestClient]:
    with TestClient(create_app(stack.settings())) as test_client:
        yield test_client


@pytest.fixture
def fan(stack: Stack) -> Fan:
    return sign_up(stack)


@pytest.fixture
def other_fan(stack: Stack) -> Fan:
    return sign_up(stack)


@pytest.fixture(scope="package")
def shared_fan(stack: Stack) -> Fan:
    """A fan for tests (such as property-based ones) that cannot take function fixtures."""
    return sign_up(stack)


def anime_body(**changes) -> dict:
    body = {
        "title": "Mushishi",
        "synopsis": "Ginko wanders.",
        "episodes": 26,
        "genres": ["mystery", "slice-of-life"],
        "year": 2005,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.fixture(scope="package")
def push_sink() -> Iterator[PushSink]:
    sink = PushSink().start()
    yield sink
    sink.stop()
