"""Each fault kind on each hop, injected into a real stack and seen as the hop's caller sees it
(the edge's viewer, the edge, the ALB, the API task, SNS); every fault is in the status
document while active and gone once cleared."""

import json
import subprocess
import sys
import time

import httpx
import pytest

from harness.errors import ConfigError
from harness.faults.rules import new_fault
from harness.faults.store import FaultStore
from harness.plumbing.waiting import wait_until
from harness.testkit.health_check_steps import checked_until

PATIENCE = 60


@pytest.fixture
def viewer(stack, edge_verify):
    with httpx.Client(
        base_url=stack.edge_url, trust_env=False, timeout=PATIENCE, verify=edge_verify
    ) as client:
        yield client


def _in_status(stack, fault) -> bool:
    return fault.id in {f["id"] for f in stack.describe()["faults"]}


@pytest.mark.parametrize("hop", ["viewer-edge", "edge-alb", "alb-task"])
def test_a_status_on_an_http_hop_reaches_the_viewer(viewer, stack, faults, hop):
    fault = faults.add(hop, "status", status=503, path="/api/health")
    assert _in_status(stack, fault)

    answer = viewer.get("/api/health")

    assert answer.status_code == 503
    assert answer.headers["x-animehub-fault"] == fault.id
    assert viewer.get("/api/anime").status_code == 200  # only the path it names
    faults.clear(fault)
    assert not _in_status(stack, fault)
    assert viewer.get("/api/health").status_code == 200


@pytest.mark.parametrize("hop", ["viewer-edge", "edge-alb", "alb-task"])
def test_latency_on_an_http_hop_delays_the_answer(viewer, faults, hop):
    faults.add(hop, "latency", latency_ms=600, path="/api/health")
    began = time.monotonic()
    answer = viewer.get("/api/health")
    # About time passing: the answer waited at least the latency (no upper bound asserted).
    assert time.monotonic() - began >= 0.6
    assert answer.status_code == 200


@pytest.mark.parametrize("hop", ["viewer-edge", "edge-alb"])
def test_a_reset_in_front_of_the_alb_breaks_the_answer_midway(viewer, faults, hop):
    """The hop's server drops the connection after the status line: the viewer gets a
    truncated answer (the edge streams what its origin sent)."""
    faults.add(hop, "reset", path="/api/health")
    with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
        viewer.get("/api/health")


def test_a_reset_by_the_task_is_the_albs_502(viewer, faults):
    """A target that resets the connection: the ALB answers 502 [load-balancer-troubleshooting]."""
    faults.add("alb-task", "reset", path="/api/health")
    assert viewer.get("/api/health").status_code == 502


def test_every_nth_request_only(viewer, faults):
    faults.add("alb-task", "status", status=500, path="/api/health", every_nth=3)
    statuses = [viewer.get("/api/health").status_code for _ in range(6)]
    assert statuses == [500, 200, 200, 500, 200, 200]


def test_a_probability_of_zero_affects_nothing(viewer, faults):
    faults.add("alb-task", "status", status=500, path="/api/health", probability=0)
    assert {viewer.get("/api/health").status_code for _ in range(5)} == {200}


def test_dynamodb_throttling_in_its_wire_format(stack, faults):
    """What the task's SDK gets: DynamoDB's ProvisionedThroughputExceededException, as JSON
    with HTTP 400 (DynamoDB API reference, Common errors)."""
    faults.add("aws", "throttle", service="dynamodb", operation="GetItem")
    answer = httpx.post(
        stack.aws_faults.url,
        headers={
            "x-amz-target": "DynamoDB_20120810.GetItem",
            "content-type": "application/x-amz-json-1.0",
            "authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/"
            "aws4_request, SignedHeaders=host, Signature=0",
        },
        content=b"{}",
        trust_env=False,
    )
    assert answer.status_code == 400
    assert answer.json()["__type"] == (
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
    )


@pytest.mark.parametrize("kind", ["status", "throttle"])
def test_an_aws_fault_on_every_call_is_the_apis_503_with_a_retry_hint(
    stack, faults, make_user, make_api, kind
):
    fan = make_user()
    options = {"status": 500} if kind == "status" else {}
    faults.add("aws", kind, service="dynamodb", operation="PutItem", **options)
    answer = make_api(fan).post(
        "/api/anime", json={"title": "Ping Pong", "genres": ["sports"], "year": 2014}
    )
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "upstream_unavailable"
    assert answer.headers["retry-after"]


def test_a_failing_health_check_takes_the_target_out(stack, faults, data_plane_clock):
    (task, *_) = [t for t in _tasks(stack) if t["alb_state"] == "healthy"]
    target = f"{task['host']}:{task['port']}"
    faults.add("health-check", "status", status=500, target=target)
    # UnhealthyThresholdCount failed checks, one interval of the stack clock apart.
    checked_until(
        stack.alb,
        (task["host"], task["port"]),
        lambda t: t is None or t["state"] != "healthy",
        advance=data_plane_clock.advance,
        what="the target to fail its health checks",
        timeout=PATIENCE,
    )
    faults.clear()
    stack.agent.wait_steady(PATIENCE)


def test_a_failed_sns_delivery_loses_the_push_not_the_share(stack, faults, make_user, make_api):
    follower, sharer = make_user(), make_user()
    genre = f"fault-{follower.device_id[:8]}"
    endpoint = stack.push_sink.device_url(follower.device_id)
    followed = make_api(follower).put(
        "/api/me/follows", json={"genres": [genre], "endpoint": endpoint}
    )
    assert followed.status_code == 200, followed.text
    # SNS delivers nothing before the device confirms (SendMessageToHttp.confirm).
    assert stack.push_sink.wait_confirmed(follower.device_id, PATIENCE), "never confirmed"
    fault = faults.add("sns-delivery", "status", status=500, target=follower.device_id)
    shared = make_api(sharer).post(
        "/api/anime", json={"title": "Mononoke", "genres": [genre], "year": 1997}
    )
    assert shared.status_code == 201, shared.text
    wait_until(
        lambda: stack.faults.injected(fault.id), what="the failed delivery", timeout=PATIENCE
    )
    assert stack.push_sink.notifications(follower.device_id) == []


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_stopping_a_task_gets_it_replaced(stack, faults, signal_name):
    victim = faults.stop_task(signal_name)
    wait_until(
        lambda: victim["id"] not in {t["id"] for t in _tasks(stack) if t["state"] == "RUNNING"},
        what="the stopped task to leave the service",
        timeout=PATIENCE,
    )
    stack.agent.wait_steady(PATIENCE)


def _tasks(stack) -> list[dict]:
    return stack.agent.health()["services"][stack.record.service]["tasks"]


def test_the_cli_adds_lists_and_clears_on_the_stacks_run_dir(stack, viewer):
    run_dir = str(stack.run_dir.path)

    def harness(*args):
        return subprocess.run(
            [sys.executable, "-m", "harness", "fault", *args, "--run-dir", run_dir],
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )

    try:
        added = harness(
            "add",
            "--hop",
            "edge-alb",
            "--kind",
            "status",
            "--status",
            "504",
            "--path",
            "/api/health",
        )
        assert added.returncode == 0, added.stderr
        listed = json.loads(harness("list", "--json").stdout)
        assert [(f["hop"], f["status"]) for f in listed] == [("edge-alb", 504)]
        assert viewer.get("/api/health").status_code == 504
        assert [f["hop"] for f in stack.describe()["faults"]] == ["edge-alb"]
    finally:
        assert harness("clear").stdout.strip() == "cleared 1 fault(s)"
    assert viewer.get("/api/health").status_code == 200


def test_a_bad_fault_is_one_line_naming_the_option():
    with pytest.raises(ConfigError, match=r"--status: 418: one of 500, 502, 503, 504"):
        new_fault("edge-alb", "status", status=418)
    with pytest.raises(ConfigError, match=r"--kind: 'throttle' on edge-alb"):
        new_fault("edge-alb", "throttle")


def test_the_fixture_clears_what_it_added(tmp_path):
    from harness.faults.fixture import Faults

    class Stack:
        class run_dir:
            path = tmp_path

    injected = Faults(Stack())
    injected.add("aws", "latency", latency_ms=5)
    assert len(FaultStore(tmp_path).list()) == 1
    injected.clear()
    assert FaultStore(tmp_path).list() == []
