"""Operations a fan should not notice: an API task dies mid-session and the service heals
around it; the target group checks a wrong health path, the ALB fails open as AWS's does and
ECS replaces the tasks it finds unhealthy (the control plane shows the broken health check)."""

import pytest
from playwright.sync_api import expect
from steps import refresh_list, share_through_app, the_list, unique

from harness.plumbing.waiting import wait_until
from harness.testkit.breakage import health_check_path
from harness.testkit.health_check_steps import checked_while


def _service(stack) -> dict:
    return stack.agent.health()["services"][stack.record.service]


def _healthy_tasks(stack) -> set[str]:
    return {
        t["id"]
        for t in _service(stack)["tasks"]
        if t["state"] == "RUNNING" and t["alb_state"] == "healthy"
    }


@pytest.fixture
def local_stack(stack):
    if stack.agent is None:
        pytest.skip("needs the stack's ECS agent in this process (not an attached stack)")
    return stack


@pytest.mark.breaks_stack
def test_an_api_task_dies_mid_session_and_the_service_heals(open_app, make_user, local_stack):
    stack = local_stack
    fan = make_user()
    page = open_app(fan)
    expect(page.get_by_test_id("whoami")).to_have_text(fan.email)
    before = _healthy_tasks(stack)
    assert len(before) == _service(stack)["desired"] >= 2

    victim = next(t for t in _service(stack)["tasks"] if t["state"] == "RUNNING")
    stack.agent.kill_task(victim["id"])  # SIGKILL to its process or container

    for _ in range(4):  # the fan keeps reading while the balancer finds out
        refresh_list(page)
        expect(the_list(page)).to_be_visible()
        expect(page.get_by_test_id("app-error")).to_be_hidden()
    wait_until(
        lambda: stack.alb.target_state(victim["host"], victim["port"]) in (None, "draining"),
        what="the balancer to stop routing to the dead task",
        timeout=10,
    )
    title = unique("Haikyu")
    share_through_app(page, title, ["sports"])
    expect(page.get_by_test_id("app-error")).to_be_hidden()

    wait_until(
        lambda: len(_healthy_tasks(stack) - {victim["id"]}) == len(before),
        what="a replacement task to be healthy",
        timeout=30,
    )
    assert victim["id"] not in _healthy_tasks(stack)
    page.get_by_test_id("nav-list").click()
    expect(page.get_by_test_id("anime-title").filter(has_text=title)).to_be_visible()


def _target_states(elbv2, target_group_arn: str) -> list[tuple[str, str | None]]:
    described = elbv2.describe_target_health(TargetGroupArn=target_group_arn)
    return [
        (d["TargetHealth"]["State"], d["TargetHealth"].get("Reason"))
        for d in described["TargetHealthDescriptions"]
    ]


def _stopped_reasons(ecs, cluster: str) -> dict[str, str]:
    """Each stopped task's ARN and its stoppedReason."""
    arns = ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    return {t["taskArn"]: t.get("stoppedReason", "") for t in tasks}


@pytest.mark.breaks_stack
def test_a_wrong_health_check_path_fails_open_and_ecs_replaces_the_tasks(
    open_app, make_user, make_api, stack, data_plane_clock
):
    """What AWS does [target-group-health-checks, stopped-task-errors]: the targets turn
    unhealthy (Target.ResponseCodeMismatch in describe-target-health) and ECS replaces the tasks
    ("Task failed ELB health checks in (target-group ...)"). Meanwhile the fan is served (the
    ALB fails open while every registered target is unhealthy) or meets a 503 while a
    replacement is still in its initial checks. How briefly every target is unhealthy at once
    depends on timing, so fail-open itself is shown where it can be held still:
    tests/data_plane/alb/test_alb_balancer.py::test_fail_open_when_every_target_is_unhealthy."""
    fan = make_user()
    page = open_app(fan)
    expect(the_list(page)).to_be_visible()
    anonymous = make_api()
    elbv2, ecs = stack.endpoints.client("elbv2"), stack.endpoints.client("ecs")
    target_group = stack.record.target_group_arn
    stopped_before = _stopped_reasons(ecs, stack.record.cluster)
    reason = f"Task failed ELB health checks in (target-group {target_group})"
    statuses = []

    def replaced_while_a_fan_asks() -> bool:
        statuses.append(anonymous.get("/api/anime").status_code)
        # A task stopped now, not one an earlier test on this stack stopped the same way.
        stopped = _stopped_reasons(ecs, stack.record.cluster)
        return any(r == reason for arn, r in stopped.items() if arn not in stopped_before)

    # The health checks come one interval of the stack clock apart, and the replacements'
    # grace period counts on it too: the clock passes each interval after a round of checks.
    with health_check_path(stack, "/api/no-such-health-check"):
        checked_while(
            stack.alb,
            lambda: (
                ("unhealthy", "Target.ResponseCodeMismatch") in _target_states(elbv2, target_group)
            ),
            advance=data_plane_clock.advance,
            what="describe-target-health to report a target unhealthy",
            timeout=60,
            interval=0.25,
        )
        checked_while(
            stack.alb,
            replaced_while_a_fan_asks,
            advance=data_plane_clock.advance,
            what="ECS to stop a task for failing its ELB health checks",
            timeout=120,
            interval=0.25,
        )
        assert statuses and set(statuses) <= {200, 503}, statuses
    checked_while(
        stack.alb,
        lambda: (
            anonymous.get("/api/anime").status_code == 200
            and _target_states(elbv2, target_group)
            and all(s == "healthy" for s, _ in _target_states(elbv2, target_group))
        ),
        advance=data_plane_clock.advance,
        what="healthy targets again once the health check is right",
        timeout=60,
        interval=0.25,
    )
    refresh_list(page)
    expect(page.get_by_test_id("app-error")).to_be_hidden()
    expect(the_list(page)).to_be_visible()
