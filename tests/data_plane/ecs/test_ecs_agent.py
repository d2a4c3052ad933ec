"""The ECS agent with the ALB in front, against moto: desired count, kills, scaling, rollouts."""

from __future__ import annotations

import os
import socket
import time

import httpx
import pytest

from harness.errors import HarnessError
from harness.plumbing.waiting import wait_until
from harness.testkit.polling_client import Poller

# Generous: a time-out here only catches a hang; how fast the agent reacts is measured in
# benchmarks/reactions.py, not asserted.
PATIENCE = 60


def live_tasks(agent, service="api") -> list[dict]:
    tasks = agent.health()["services"][service]["tasks"]
    return [t for t in tasks if t["state"] in ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")]


def test_two_tasks_share_the_load_with_the_task_environment(make_service, running):
    service = make_service(desired=2, environment={"APP_VERSION": "1", "ANIME_TABLE": "anime"})
    os.environ["ANIMEHUB_TEST_LEAK"] = "leaked"
    try:
        alb, agent = running(service)
        agent.wait_steady(PATIENCE)
    finally:
        del os.environ["ANIMEHUB_TEST_LEAK"]

    with httpx.Client(base_url=alb.url, trust_env=False) as client:
        seen = {client.get("/api/health").headers["X-AnimeHub-Task"] for _ in range(6)}
        env = client.get("/api/env").json()
    report = agent.health()["services"]["api"]

    assert seen == {t["id"] for t in report["tasks"]} and len(seen) == 2
    assert (report["desired"], report["running"], report["healthy"]) == (2, 2, 2)
    assert env["TASK_ID"] in seen
    assert env["APP_VERSION"] == "1" and env["ANIME_TABLE"] == "anime"
    assert env["AWS_ENDPOINT_URL"] == service.endpoints.default
    assert env["HOST"].startswith("127.") and env["PORT"].isdigit()
    assert "ANIMEHUB_TEST_LEAK" not in env


def test_scale_two_three_one_through_update_service(make_service, running):
    service = make_service(desired=2)
    alb, agent = running(service)
    agent.wait_steady(PATIENCE)

    service.update(desiredCount=3)
    agent.wait_steady(PATIENCE)
    at_three = alb.healthy_count()
    service.update(desiredCount=1)
    agent.wait_steady(PATIENCE)
    wait_until(
        lambda: alb.healthy_count() == 1 and len(alb.targets()) == 1,
        what="ALB at one target",
        timeout=PATIENCE,
    )

    assert at_three == 3
    assert len(live_tasks(agent)) == 1


def test_killed_task_is_replaced_and_clients_see_only_the_detection_window(make_service, running):
    service = make_service(desired=2)
    alb, agent = running(service)
    agent.wait_steady(PATIENCE)
    victim = live_tasks(agent)[0]

    with Poller(alb.url) as poller:
        poller.wait_for_outcomes(5)
        killed_at = time.monotonic()
        os.kill(victim["pid"], 9)
        wait_until(
            lambda: victim["id"] not in {t["id"] for t in live_tasks(agent)},
            what="kill noticed",
            timeout=PATIENCE,
        )
        agent.wait_steady(PATIENCE)
        steady_at = time.monotonic()
        poller.wait_for_outcomes(10)

    stopped = next(t for t in agent.health()["services"]["api"]["tasks"] if t["id"] == victim["id"])
    assert stopped["state"] == "STOPPED"
    assert "Essential container in task exited" in stopped["stopped_reason"]
    assert len(live_tasks(agent)) == 2 and alb.healthy_count() == 2
    # Ordering, not a budget: clients fail only between the kill and the service being steady.
    assert all(killed_at <= t <= steady_at for t, *_ in poller.failures), poller.failures
    assert all(o[1] == 200 for o in poller.outcomes[-10:]), poller.outcomes[-10:]
    assert {o[2] for o in poller.outcomes[-10:]} >= {t["id"] for t in live_tasks(agent)} - {None}


def test_rolling_update_has_no_failed_request(make_service, running):
    service = make_service(desired=2, environment={"APP_VERSION": "1"})
    alb, agent = running(service)
    agent.wait_steady(PATIENCE)

    with Poller(alb.url) as poller:
        poller.wait_for_outcomes(5)
        revision = service.register_revision({"APP_VERSION": "2"})
        service.update(taskDefinition=revision)
        wait_until(
            lambda: agent.health()["services"]["api"]["task_definition"] == revision,
            what="seen",
            timeout=PATIENCE,
        )
        agent.wait_steady(PATIENCE)
        poller.wait_for_outcomes(5)

    versions = [o[3] for o in poller.outcomes]
    assert poller.failures == []
    assert versions[0] == "1" and versions[-1] == "2"
    assert {t["task_definition"] for t in live_tasks(agent)} == {revision}


def test_unhealthy_task_in_the_alb_is_drained_and_replaced(make_service, running):
    """The ALB's verdict, faked, so the test need not wait two 5 s health-check intervals."""
    service = make_service(desired=1)
    alb, agent = running(service)
    agent.wait_steady(PATIENCE)
    sick = live_tasks(agent)[0]
    real_state = alb.target_state

    def state(ip, port):
        answer = real_state(ip, port)
        return "unhealthy" if (ip, port) == (sick["host"], sick["port"]) and answer else answer

    alb.target_state = state
    wait_until(
        lambda: sick["id"] not in {t["id"] for t in live_tasks(agent)},
        what="sick one stopped",
        timeout=PATIENCE,
    )
    agent.wait_steady(PATIENCE)

    stopped = next(t for t in agent.health()["services"]["api"]["tasks"] if t["id"] == sick["id"])
    assert stopped["stopped_reason"].startswith("Task failed ELB health checks")
    assert len(live_tasks(agent)) == 1


def test_wait_steady_reports_the_log_of_a_task_that_exits(make_service, running):
    service = make_service(desired=1, environment={"STANDIN_FAIL": "1"})
    _, agent = running(service)
    wait_until(
        lambda: any(
            t["state"] == "STOPPED" and t["exit_code"] == 3
            for t in agent.health()["services"]["api"]["tasks"]
        ),
        what="the failing task to have exited",
        timeout=PATIENCE,
    )

    # The service can never be steady: this short wait is the question, not a budget.
    with pytest.raises(HarnessError) as failure:
        agent.wait_steady(0.5)

    message = str(failure.value)
    assert "Essential container in task exited (exit code 3)" in message
    assert "standin: failing on purpose" in message


def test_stop_leaves_no_process_and_no_port(make_service, running):
    service = make_service(desired=2)
    alb, agent = running(service)
    agent.wait_steady(PATIENCE)
    tasks = live_tasks(agent)

    agent.stop()

    for task in tasks:
        with pytest.raises(ProcessLookupError):
            os.kill(task["pid"], 0)
        with pytest.raises(OSError), socket.create_connection((task["host"], task["port"]), 0.5):
            pass
    assert agent.health()["services"]["api"]["running"] == 0
    # Nothing was in flight, so each deregistration completes at once (AWS-RULES: ALB).
    wait_until(lambda: alb.targets() == [], what="every target deregistered", timeout=PATIENCE)


def test_the_real_api_answers_health_through_the_alb(make_service, running):
    names = ("ANIME_TABLE", "ANIME_FEED_INDEX", "USERS_TABLE", "MEDIA_BUCKET", "COGNITO_CLIENT_ID")
    environment = {name: name.lower() for name in names} | {
        "SHARED_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:anime-shared",
        "COGNITO_USER_POOL_ID": "us-east-1_example",
    }
    service = make_service(desired=1, environment=environment)
    alb, agent = running(service, commands=None)  # the agent's default: python -m api

    agent.wait_steady(PATIENCE)
    response = httpx.get(alb.url + "/api/health", trust_env=False)

    assert response.status_code == 200
    assert response.headers["X-AnimeHub-Task"] == live_tasks(agent)[0]["id"]
