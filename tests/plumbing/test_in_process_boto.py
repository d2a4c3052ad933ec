"""The harness's own boto3 clients handed over in-process (EndpointMap.internal_client): on one
emulator, a request through the socket and the same request handed over reach the emulator
with the same WSGI environ and come back as the same answer or the same exception; streaming,
errors, time-outs and the fronts included. A part's client hands over; a test's does not."""

import io
import os
import threading
from functools import partial

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.api_front import ApiFront
from harness.data_plane.cognito import CognitoFront
from harness.data_plane.ecs.config import ControlPlane
from harness.plumbing import in_process
from harness.plumbing.in_process_boto import handed_over_by_this_thread
from harness.testkit.stack_fixtures import AwsClients

REGION = "us-east-1"
# What names the socket or changes with every call (the signature's time, the invocation id).
PER_CALL = {
    "wsgi.input",
    "wsgi.errors",
    "wsgi.multithread",
    "werkzeug.socket",
    "REMOTE_PORT",
    "HTTP_AUTHORIZATION",
    "HTTP_X_AMZ_DATE",
    "HTTP_AMZ_SDK_INVOCATION_ID",
}
VARYING_HEADERS = {"date", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2"}


class Served:
    """A werkzeug server with moto's request handler, as the embedded emulator runs, around
    `app`; also served in-process under its URL. `seen` keeps each request's environ."""

    def __init__(self, app) -> None:
        self.seen: list[dict] = []

        def recording(environ, start_response):
            self.seen.append(dict(environ))
            return app(environ, start_response)

        self.server = make_server(
            "127.0.0.1", 0, recording, True, request_handler=MotoRequestHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        in_process.serve(self.url, in_process.wsgi(recording, self.url))
        self.endpoints = EndpointMap(default=self.url, region=REGION, in_process=True)

    def stop(self) -> None:
        in_process.withdraw(self.url)
        self.server.shutdown()


@pytest.fixture(scope="module")
def emulator():
    """The embedded emulator (moto, patched as the stack runs it) and a second werkzeug server
    on its state that records what it is sent."""
    backend = EmbeddedBackend(REGION).start()
    served = Served(DomainDispatcherApplication(create_backend_app))
    yield served
    served.stop()
    backend.stop()


def answer_of(call):
    """A call's answer or exception, without what differs per request."""
    try:
        answer = call()
    except ClientError as exc:
        return type(exc).__name__, _steady(exc.response)
    body = answer.get("Body")
    answer = _steady(answer)
    if body is not None:
        answer["Body"] = body.read()
    return answer


def _steady(answer: dict) -> dict:
    answer = dict(answer)
    metadata = dict(answer.pop("ResponseMetadata", {}))
    metadata.pop("RequestId", None)
    metadata.pop("HostId", None)
    headers = metadata.get("HTTPHeaders", {})
    metadata["HTTPHeaders"] = {k: v for k, v in headers.items() if k not in VARYING_HEADERS}
    answer.pop("Body", None)
    return answer | {"ResponseMetadata": metadata}


def _kept(environ: dict) -> dict:
    return {k: v for k, v in environ.items() if k not in PER_CALL}


def through_both(emulator, service, call, config=None):
    """`call(client)` through the socket, then handed over in-process: both answers and the
    environ each request reached the emulator with."""
    outcomes = []
    clients = (
        emulator.endpoints.client(service, config),
        emulator.endpoints.internal_client(service, config),
    )
    for client in clients:
        first = len(emulator.seen)
        answer = answer_of(partial(call, client))
        outcomes.append((answer, emulator.seen[first:]))
    return outcomes


SMALL = b"hello, fans"
BIG = os.urandom(300 * 1024)


@pytest.fixture(scope="module")
def bucket(emulator):
    s3 = emulator.endpoints.client("s3")
    s3.create_bucket(Bucket="in-process-bucket")
    s3.put_object(Bucket="in-process-bucket", Key="a key+plus/café", Body=SMALL)
    s3.put_object(Bucket="in-process-bucket", Key="big", Body=BIG)
    return "in-process-bucket"


CALLS = {
    "s3 put bytes": ("s3", lambda c: c.put_object(Bucket="in-process-bucket", Key="k", Body=b"x")),
    "s3 put a stream": (
        "s3",
        lambda c: c.put_object(Bucket="in-process-bucket", Key="s", Body=io.BytesIO(b"streamed")),
    ),
    "s3 get": ("s3", lambda c: c.get_object(Bucket="in-process-bucket", Key="a key+plus/café")),
    "s3 head": ("s3", lambda c: c.head_object(Bucket="in-process-bucket", Key="a key+plus/café")),
    "s3 list": ("s3", lambda c: c.list_objects_v2(Bucket="in-process-bucket", Prefix="a")),
    "s3 get, no such key": ("s3", lambda c: c.get_object(Bucket="in-process-bucket", Key="no")),
    "s3 head, 404": ("s3", lambda c: c.head_object(Bucket="in-process-bucket", Key="no")),
    "sqs create (query)": ("sqs", lambda c: c.create_queue(QueueName="in-process")),
    "sqs, no such queue": ("sqs", lambda c: c.get_queue_url(QueueName="none-such")),
    "dynamodb, no such table": ("dynamodb", lambda c: c.describe_table(TableName="none")),
    "sns create (query)": ("sns", lambda c: c.create_topic(Name="in-process")),
}


@pytest.mark.parametrize("name", CALLS)
def test_the_emulator_sees_the_request_and_gives_the_answer_of_its_socket(emulator, bucket, name):
    service, call = CALLS[name]
    (through_socket, socket_seen), (handed, handed_seen) = through_both(emulator, service, call)
    assert handed == through_socket
    assert len(handed_seen) == len(socket_seen) == 1
    assert [_kept(e) for e in handed_seen] == [_kept(e) for e in socket_seen]
    assert "werkzeug.socket" in socket_seen[0]
    assert "werkzeug.socket" not in handed_seen[0]  # no socket: handed over


def test_an_error_status_is_the_same_exception(emulator, bucket):
    (through_socket, _), (handed, _) = through_both(
        emulator, "s3", lambda c: c.get_object(Bucket="in-process-bucket", Key="no")
    )
    assert handed[0] == "NoSuchKey"  # the modeled exception class, as through the socket
    assert handed[1]["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert handed == through_socket


def test_an_object_streams_in_chunks_as_through_the_socket(emulator, bucket):
    s3 = emulator.endpoints.internal_client("s3")
    before = handed_over_by_this_thread()
    body = s3.get_object(Bucket="in-process-bucket", Key="big")["Body"]
    chunks = list(body.iter_chunks(64 * 1024))
    assert handed_over_by_this_thread() == before + 1
    assert len(chunks) == 5
    assert b"".join(chunks) == BIG
    ranged = s3.get_object(Bucket="in-process-bucket", Key="big", Range="bytes=10-19")
    assert ranged["Body"].read(4) + ranged["Body"].read() == BIG[10:20]


def test_an_exception_in_the_app_is_the_500_werkzeugs_server_sends():
    def failing(environ, start_response):
        raise RuntimeError("the emulator broke")

    served = Served(failing)
    config = Config(retries={"max_attempts": 2, "mode": "standard"})
    try:
        (through_socket, socket_seen), (handed, handed_seen) = through_both(
            served, "dynamodb", lambda c: c.list_tables(), config
        )
    finally:
        served.stop()
    assert handed[0] == "ClientError"
    assert handed[1]["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert handed == through_socket  # the same page, headers and retries
    retried = handed[1]["ResponseMetadata"]["RetryAttempts"]
    assert retried >= 1  # a 500 is retried
    assert len(handed_seen) == len(socket_seen) == retried + 1


def test_no_answer_within_the_read_timeout_is_botocores_read_timeout():
    released = threading.Event()

    def hanging(environ, start_response):
        released.wait(60)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"{}"]

    served = Served(hanging)
    config = Config(read_timeout=0.5, retries={"max_attempts": 1})
    try:
        for client in (
            served.endpoints.client("dynamodb", config),
            served.endpoints.internal_client("dynamodb", config),
        ):
            with pytest.raises(ReadTimeoutError, match="Read timeout on endpoint URL"):
                client.list_tables()
    finally:
        released.set()
        served.stop()


def test_the_fronts_answer_in_process_as_through_their_sockets(emulator):
    """The API front (ECS, SNS...) and the Cognito front are ASGI apps on their own loops."""
    upstream = EndpointMap(default=emulator.url, region=REGION, in_process=True)
    api_front = ApiFront(upstream).start()
    cognito_front = CognitoFront(upstream, ("127.0.0.1", 9), checks_codes=True).start()
    endpoints = api_front.route(cognito_front.endpoints)
    calls = [
        ("ecs", lambda c: c.list_clusters()),
        ("ecs", lambda c: c.describe_services(cluster="none-such", services=["web"])),
        ("sns", lambda c: c.list_topics()),
        ("cognito-idp", lambda c: c.list_user_pools(MaxResults=5)),
        ("cognito-idp", lambda c: c.describe_user_pool(UserPoolId=f"{REGION}_none")),
    ]
    try:
        for service, call in calls:
            through_socket = answer_of(partial(call, endpoints.client(service)))
            before = handed_over_by_this_thread()
            handed = answer_of(partial(call, endpoints.internal_client(service)))
            assert handed_over_by_this_thread() == before + 1
            assert handed == through_socket, service
    finally:
        cognito_front.stop()
        api_front.stop()


def test_a_part_hands_its_calls_over_and_a_test_client_does_not(emulator):
    emulator.endpoints.client("ecs").create_cluster(clusterName="in-process")
    first = len(emulator.seen)
    # the ECS agent's control plane, as the stack makes it
    specs = ControlPlane(emulator.endpoints, "in-process").describe_services(["web"])
    assert specs["web"].desired_count == 0
    AwsClients(emulator.endpoints)("ecs").list_clusters()  # the `aws` fixture's client
    part, test = emulator.seen[first:]
    assert "werkzeug.socket" not in part
    assert "werkzeug.socket" in test


def test_without_the_flag_every_client_keeps_its_socket(emulator):
    on_sockets = EndpointMap(default=emulator.url, region=REGION)
    first = len(emulator.seen)
    on_sockets.internal_client("sqs").list_queues()
    (seen,) = emulator.seen[first:]
    assert "werkzeug.socket" in seen
