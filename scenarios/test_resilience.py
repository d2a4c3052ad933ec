"""Operations a fan should not notice, and one they must: an API task dies mid-session and the
service heals around it; the target group checks a wrong health path and the app says the
service is unavailable (the scenario that proves a broken health check is caught)."""

import os
import signal

import pytest
from playwright.sync_api import expect
from steps import refresh_list, share_through_app, the_list, unique

from harness.plumbing.waiting import wait_until
from harness.testkit.breakage import health_check_path


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
    os.kill(victim["pid"], signal.SIGKILL)

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


@pytest.mark.breaks_stack
def test_a_wrong_health_check_path_shows_the_fan_an_error(open_app, make_user, make_api, stack):
    fan = make_user()
    page = open_app(fan)
    expect(the_list(page)).to_be_visible()
    anonymous = make_api()
    with health_check_path(stack, "/api/no-such-health-check"):
        wait_until(
            lambda: anonymous.get("/api/anime").status_code == 503,
            what="the balancer to have no healthy target",
            timeout=30,
            interval=0.25,
        )
        refresh_list(page)
        expect(page.get_by_test_id("app-error")).to_contain_text("unavailable right now (503)")
        expect(page.get_by_test_id("list-error")).to_be_visible()
    refresh_list(page)
    expect(page.get_by_test_id("app-error")).to_be_hidden()
    expect(the_list(page)).to_be_visible()
