"""One embedded moto server for the API's tests, the resources they need, and real tokens."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto.server import ThreadedMotoServer

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient; httpx is what this project installs.
    warnings.filterwarnings(
        "ignore", message="Using `httpx` with `starlette.testclient`", category=UserWarning
    )
    from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings

REGION = "us-east-1"
PASSWORD = "Passw0rd!Passw0rd"


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
        sqs, found, deadline = self.client("sqs"), [], time.monotonic() + timeout
        while time.monotonic() < deadline:
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
            if found:
                return found
            time.sleep(0.05)
        return found


@dataclass(frozen=True)
class Fan:
    username: str
    sub: str
    id_token: str = field(repr=False)
    access_token: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.id_token}"}


@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
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
        server.stop()


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
    dynamodb.create_table(
        TableName=stack.anime_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "feed", "AttributeType": "S"},
            {"AttributeName": "shared_at", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": stack.feed_index,
                "KeySchema": [
                    {"AttributeName": "feed", "KeyType": "HASH"},
                    {"AttributeName": "shared_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    dynamodb.create_table(
        TableName=stack.users_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
    )
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
    cognito = stack.client("cognito-idp")
    username = f"fan-{uuid.uuid4().hex[:12]}@example.com"
    sub = cognito.sign_up(ClientId=stack.client_id, Username=username, Password=PASSWORD)["UserSub"]
    cognito.admin_confirm_sign_up(UserPoolId=stack.user_pool_id, Username=username)
    tokens = cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return Fan(username, sub, tokens["IdToken"], tokens["AccessToken"])


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


class PushSink:
    """An HTTP endpoint standing in for fans' devices: records what SNS posts to it."""

    def __init__(self) -> None:
        received: list[tuple[str, dict]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, json.loads(body or b"{}")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.received = received
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def notifications(self, path: str, *, wait_for: int = 1, timeout: float = 3.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            found = [n for p, n in self.received if p == path and n.get("Type") == "Notification"]
            if len(found) >= wait_for or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(scope="package")
def push_sink() -> Iterator[PushSink]:
    sink = PushSink()
    yield sink
    sink.stop()
