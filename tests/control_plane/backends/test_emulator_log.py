"""The embedded emulator's log: every request, and what it cannot serve with the operation."""

from __future__ import annotations

import re

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.lifecycle.status_view import render

NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def backend(tmp_path):
    backend = EmbeddedBackend("us-east-1", log_path=tmp_path / "logs" / "emulator.log").start()
    yield backend
    backend.stop()


def test_a_request_the_emulator_cannot_serve_is_logged_with_its_operation_and_counted(backend):
    ecs = backend.endpoints.client("ecs", config=NO_RETRIES)
    ecs.list_clusters()
    with pytest.raises(ClientError, match=r"\(500\)"):
        ecs.submit_task_state_change(cluster="c", task="t", status="RUNNING")

    health = backend.health()

    assert health["requests"] == 2 and health["failed_requests"] == 1
    (failure,) = health["last_failures"]
    assert failure["service"] == "ecs" and failure["operation"] == "SubmitTaskStateChange"
    assert "NotImplementedError" in failure["error"]
    text = backend.log_path.read_text()
    assert "ecs ListClusters 200" in text
    assert "ecs SubmitTaskStateChange cannot be served (500): NotImplementedError" in text
    status = render({"components": {"emulator": health}})
    assert f"emulator: ok; 1 requests it could not serve (see {backend.log_path})" in status


def test_query_protocol_operations_are_named_from_the_form_body(backend):
    backend.endpoints.client("sns").list_topics()

    lines = backend.log_path.read_text().splitlines()
    # the line as logging's "%(asctime)s %(levelname)s %(message)s" wrote it
    line = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO sns ListTopics 200 \d+ms")
    assert any(line.fullmatch(text) for text in lines), lines
