import http.server
import json
import threading

import pytest

from harness.control_plane.backends.readiness import (
    CannotServe,
    NeverReady,
    answers_aws,
    localstack_health,
    wait_until_ready,
)


class _Health(http.server.BaseHTTPRequestHandler):
    """Answers 503 for the first `failures` requests, then the configured health document."""

    failures = 0
    document: object = {}
    seen = 0

    def do_GET(self) -> None:
        type(self).seen += 1
        if type(self).seen <= self.failures:
            self.send_error(503)
            return
        body = json.dumps(self.document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def health_server():
    handler = type("Handler", (_Health,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


READY = {"services": {"s3": "running", "sqs": "available"}, "edition": "community"}


def test_waits_through_failures_until_the_health_answers(health_server):
    handler, url = health_server
    handler.failures, handler.document = 3, READY
    wait_until_ready(
        localstack_health(url, ["s3", "sqs"]), what="localstack", timeout=5, interval=0.01
    )
    assert handler.seen == 4


def test_a_service_still_starting_keeps_it_waiting_and_is_named(health_server):
    handler, url = health_server
    handler.document = {"services": {"s3": "running", "sqs": "initializing"}}
    with pytest.raises(
        NeverReady, match=r"^localstack: not ready after 0s \(sqs is initializing\)"
    ):
        wait_until_ready(localstack_health(url, ["s3", "sqs"]), what="localstack", timeout=0.2)


def test_a_disabled_service_fails_at_once(health_server):
    handler, url = health_server
    handler.document = {"services": {"s3": "running", "cognito-idp": "disabled"}}
    with pytest.raises(CannotServe, match="cognito-idp is disabled"):
        wait_until_ready(localstack_health(url, ["s3", "cognito-idp"]), what="ls", timeout=30)
    assert handler.seen == 1


def test_a_time_out_carries_the_tail_of_the_logs(closed_port_url):
    logs = "\n".join(f"line {n}" for n in range(50))
    with pytest.raises(NeverReady) as failure:
        wait_until_ready(
            localstack_health(closed_port_url, ["s3"]),
            what="localstack",
            timeout=0.1,
            logs=lambda: logs,
        )
    assert failure.value.log_tail.splitlines() == [f"line {n}" for n in range(30, 50)]
    assert "\n" not in str(failure.value)


def test_a_web_page_is_not_a_health_document(html_server):
    with pytest.raises(NeverReady, match="not JSON"):
        wait_until_ready(localstack_health(html_server, ["s3"]), what="ls", timeout=0.1)


def test_dynamodb_local_is_ready_when_list_tables_answers(emulators, closed_port_url):
    wait_until_ready(
        answers_aws(emulators.dynamodb_url, "dynamodb", "us-east-1"), what="ddb", timeout=5
    )
    with pytest.raises(NeverReady, match="ddb: not ready after 0s"):
        wait_until_ready(
            answers_aws(closed_port_url, "dynamodb", "us-east-1"), what="ddb", timeout=0.1
        )


def test_an_unexpected_error_is_not_retried():
    calls = []

    def check():
        calls.append(1)
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        wait_until_ready(check, what="x", timeout=5)
    assert len(calls) == 1
