"""What a release must survive, staged with faults on one hop each, with the outcome AWS
documents. Each scenario also checks that its fault was met where it claims; the negative
controls put the fault elsewhere and show the scenario failing for that reason."""

from __future__ import annotations

import contextlib
import os
import signal

import httpx
import pytest
from steps import unique, unique_genre

from harness.plumbing.waiting import NotYet, wait_until
from harness.testkit.health_check_steps import checked_until

PATIENCE = 60


def injected(stack, fault) -> int:
    return next(f["injected"] for f in stack.describe()["faults"] if f["id"] == fault.id)


def titles(client: httpx.Client) -> list[str]:
    return [a["title"] for a in client.get("/api/anime", params={"limit": 100}).json()["items"]]


# -- DynamoDB throttles the share's write ---------------------------------------------------


def check_share_survives_throttling(stack, faults, fan_api, operation: str) -> None:
    """AWS SDKs retry throttling errors with backoff ("Error retries and exponential backoff
    in AWS"; DynamoDB: ProvisionedThroughputExceededException is retryable): the first
    attempt is throttled, the retry lands, and the share exists once."""
    fault = faults.add("aws", "throttle", service="dynamodb", operation=operation, every_nth=2)
    title = unique("Throttled share")
    shared = fan_api.post("/api/anime", json={"title": title, "genres": ["drama"], "year": 2001})
    assert shared.status_code == 201, shared.text
    assert injected(stack, fault) >= 1, f"the throttle on dynamodb {operation} was never met"
    assert titles(fan_api).count(title) == 1, "the throttled share is lost or doubled"


@pytest.mark.breaks_stack
def test_a_share_survives_dynamodb_throttling(stack, faults, make_user, make_api):
    check_share_survives_throttling(stack, faults, make_api(make_user()), "PutItem")


@pytest.mark.breaks_stack
def test_negative_control_throttling_elsewhere_is_caught(stack, faults, make_user, make_api):
    with pytest.raises(AssertionError, match="the throttle on dynamodb UpdateItem was never met"):
        check_share_survives_throttling(stack, faults, make_api(make_user()), "UpdateItem")


# -- an SNS delivery fails ---------------------------------------------------------------


def check_share_survives_a_failed_delivery(stack, faults, make_user, make_api, failing) -> None:
    """A failed delivery never fails Publish (sns-message-delivery-retries): the share is
    made; the failure is visible at the device, and no push is doubled."""
    follower, sharer = make_user(), make_user()
    genre = unique_genre("delivery")
    endpoint = stack.push_sink.device_url(follower.device_id)
    followed = make_api(follower).put(
        "/api/me/follows", json={"genres": [genre], "endpoint": endpoint}
    )
    assert followed.status_code == 200, followed.text
    # SNS delivers nothing until the device confirms (SendMessageToHttp.confirm).
    assert stack.push_sink.wait_confirmed(follower.device_id, PATIENCE), "never confirmed"
    device = follower.device_id if failing == "follower" else "another-device"
    fault = faults.add("sns-delivery", "status", status=500, target=device)

    title = unique("Undelivered")
    shared = make_api(sharer).post(
        "/api/anime", json={"title": title, "genres": [genre]} | {"year": 2020}
    )
    assert shared.status_code == 201, shared.text
    assert title in titles(make_api())

    def pushed() -> list:
        return [
            n
            for n in stack.push_sink.notifications(follower.device_id)
            if n["message"]["anime"]["title"] == title
        ]

    # Either event ends the wait: the failed delivery, or the push arriving (no fault met).
    wait_until(
        lambda: injected(stack, fault) or pushed(), what="a delivery attempt", timeout=PATIENCE
    )
    assert injected(stack, fault) >= 1, "the delivery fault was never met at the follower's device"
    assert len(pushed()) <= 1, "a push was delivered twice"


@pytest.mark.breaks_stack
def test_a_share_survives_a_failed_sns_delivery(stack, faults, make_user, make_api):
    check_share_survives_a_failed_delivery(stack, faults, make_user, make_api, "follower")


@pytest.mark.breaks_stack
def test_negative_control_a_delivery_fault_elsewhere_is_caught(stack, faults, make_user, make_api):
    with pytest.raises(AssertionError, match="never met at the follower's device"):
        check_share_survives_a_failed_delivery(stack, faults, make_user, make_api, "elsewhere")


# -- a slow edge -> ALB hop --------------------------------------------------------------


SLOW_MS = 1500


def check_slow_origin_is_only_slow(stack, faults, make_user, make_api, hop: str) -> None:
    """Below CloudFront's origin response timeout (30 s by default) a slow origin is only
    slow: the share and the list work, and the edge's log shows each /api answer waited."""
    fault = faults.add(hop, "latency", latency_ms=SLOW_MS, path="/api/")
    fan_api = make_api(make_user())
    title = unique("Slow hop")
    shared = fan_api.post(
        "/api/anime", json={"title": title, "genres": ["slice-of-life"], "year": 2011}
    )
    assert shared.status_code == 201, shared.text
    assert title in titles(fan_api)
    request_id = shared.headers["x-amz-cf-id"]
    line = next(
        line
        for line in (stack.run_dir.logs / "edge-access.log").read_text().splitlines()
        if line.endswith(request_id)
    )
    waited_ms = float(line.split()[-2].removesuffix("ms"))
    # About time passing: the edge waited for its origin the hop's latency on top of what the
    # ALB itself took (so a slow machine, which slows both alike, is not a slow hop).
    beyond_ms = waited_ms - alb_ms(stack, request_id)
    assert beyond_ms >= SLOW_MS, (
        f"the edge's origin answered in {waited_ms} ms, {beyond_ms:.0f} ms more than the ALB "
        "took: no slow hop"
    )
    assert injected(stack, fault) >= 2


def alb_ms(stack, request_id: str) -> float:
    """The ALB's own time for a request, from its access log line (the line ends with the
    request id the edge sent): request_processing_time + target_processing_time +
    response_processing_time, the real spans [AWS: load-balancer-access-logs]."""
    log = stack.run_dir.logs / "alb-access.log"

    def logged() -> str:
        for line in log.read_text().splitlines():
            if line.endswith(f'"{request_id}"'):
                return line
        raise NotYet(f"no line for {request_id} in {log}")

    fields = wait_until(logged, what="the ALB's access log line", timeout=PATIENCE).split()
    return 1000 * sum(float(value) for value in fields[5:8])


@pytest.mark.breaks_stack
def test_a_slow_edge_to_alb_hop_is_only_slow(stack, faults, make_user, make_api):
    check_slow_origin_is_only_slow(stack, faults, make_user, make_api, "edge-alb")


@pytest.mark.breaks_stack
def test_negative_control_latency_before_the_edge_is_caught(stack, faults, make_user, make_api):
    # Latency in front of the edge delays the viewer, not the edge's origin.
    with pytest.raises(AssertionError, match="ms more than the ALB took: no slow hop"):
        check_slow_origin_is_only_slow(stack, faults, make_user, make_api, "viewer-edge")


# -- a task hangs --------------------------------------------------------------------------


IDLE_TIMEOUT = 2


@contextlib.contextmanager
def idle_timeout(stack, seconds: int):
    elbv2 = stack.endpoints.client("elbv2")
    (arn,) = elbv2.describe_target_groups(TargetGroupArns=[stack.record.target_group_arn])[
        "TargetGroups"
    ][0]["LoadBalancerArns"]
    key = "idle_timeout.timeout_seconds"
    attributes = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    original = next((a["Value"] for a in attributes if a["Key"] == key), "60")

    def set_to(value: str) -> None:
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": key, "Value": value}]
        )
        wait_until(
            lambda: stack.alb.idle_timeout == float(value),
            what=f"idle timeout {value}",
            timeout=PATIENCE,
        )

    set_to(str(seconds))
    try:
        yield
    finally:
        set_to(original)


def check_hung_task_is_504_then_replaced(stack, clock, hang: bool) -> None:
    """A target that does not answer within the idle timeout: the ALB answers 504
    [load-balancer-troubleshooting]; its health checks time out, so ECS replaces the task
    ("Task failed ELB health checks"). The hung process ignores SIGTERM, so ECS kills it after
    the container's stopTimeout [task-lifecycle]. The health-check interval and the stop
    timeout are intervals the data plane counts on the stack clock: `clock` passes each at
    once instead of waiting it out (each check still times out in real time, as the ALB's
    would)."""
    service = stack.record.service
    tasks = [
        t for t in stack.agent.health()["services"][service]["tasks"] if t["state"] == "RUNNING"
    ]
    victim = tasks[0]
    if hang:
        os.kill(victim["pid"], signal.SIGSTOP)
    statuses = []
    with httpx.Client(base_url=stack.alb.url, trust_env=False, timeout=PATIENCE) as client:
        # Round robin over the targets: within twice their number, one request meets it (and
        # one is enough: each waits out the idle timeout).
        while len(statuses) < 2 * len(tasks) and 504 not in statuses:
            statuses.append(client.get("/api/health").status_code)
    assert 504 in statuses, f"no request timed out at the ALB: {statuses}"

    checked_until(
        stack.alb,
        (victim["host"], victim["port"]),
        lambda target: target is None or target["state"] != "healthy",
        advance=clock.advance,
        timeout=PATIENCE,
        what="the hung task's target to fail its health checks",
    )
    stop_timeout_passed = []

    def stopped() -> dict:
        task = next(
            t for t in stack.agent.health()["services"][service]["tasks"] if t["id"] == victim["id"]
        )
        if task["state"] == "STOPPED":
            return task
        if task["state"] == "STOPPING" and not stop_timeout_passed:
            clock.advance(task["stop_timeout"])  # SIGTERM sent and ignored: SIGKILL is due
            stop_timeout_passed.append(task["stop_timeout"])
        raise NotYet(f"the hung task is {task['state']}")

    task = wait_until(stopped, what="the hung task to be stopped", timeout=PATIENCE)
    assert task["stopped_reason"].startswith("Task failed ELB health checks")
    assert task["exit_code"] == 137, task  # killed after its stopTimeout, not stopped by SIGTERM
    stack.agent.wait_steady(PATIENCE)


@pytest.fixture
def local_stack(stack):
    if stack.agent is None:
        pytest.skip("needs the stack's ECS agent and ALB in this process (not an attached stack)")
    return stack


@pytest.mark.breaks_stack
def test_a_hung_task_is_a_504_then_replaced(local_stack, data_plane_clock):
    with idle_timeout(local_stack, IDLE_TIMEOUT):
        check_hung_task_is_504_then_replaced(local_stack, data_plane_clock, hang=True)


@pytest.mark.breaks_stack
def test_negative_control_without_a_hang_no_504_is_caught(local_stack, data_plane_clock):
    with (
        idle_timeout(local_stack, IDLE_TIMEOUT),
        pytest.raises(AssertionError, match="no request timed out at the ALB"),
    ):
        check_hung_task_is_504_then_replaced(local_stack, data_plane_clock, hang=False)
