"""ECS tasks as containers of the built API image, in a whole stack: what runs, a killed
container, a rolling deployment of a new image, and nothing left behind after."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.control_plane.backends.container_specs import RUN_LABEL
from harness.lifecycle.attached_stack import AttachedStack
from harness.plumbing.waiting import NotYet, wait_until
from harness.testkit.polling_client import Poller
from tests.conftest import labelled_containers

ROOT = Path(__file__).resolve().parents[3]


def harness(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def up(run_dir: Path, tasks: int) -> dict:
    """A stack in its own process (an in-process one would share moto's state with the
    session's stack), with tasks as containers; returns its status document."""
    started = harness(
        "up", "--detach", "--run-dir", str(run_dir), "--tasks", str(tasks),
        "--task-runtime", "container",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    return json.loads(harness("status", "--json", "--run-dir", str(run_dir)).stdout)


@pytest.fixture(scope="module")
def stack(api_image, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    up(run_dir, 2)
    yield AttachedStack.load(run_dir)
    harness("down", "--run-dir", str(run_dir))


def service(stack) -> dict:
    return stack.describe()["components"]["ecs_agent"]["services"][stack.record.service]


def live(stack) -> list[dict]:
    return [t for t in service(stack)["tasks"] if t["state"] == "RUNNING"]


def steady(stack) -> bool:
    mine = service(stack)
    return mine["healthy"] == mine["desired"] == len(live(stack))


def test_each_task_is_a_container_of_the_image_with_the_definitions_limits(stack, engine):
    runtime = stack.describe()["components"]["ecs_agent"]["runtime"]
    assert runtime["name"] == "container" and runtime["why"] == "ANIMEHUB_TASK_RUNTIME=container"
    containers = [
        engine.containers.get(c.id) for c in labelled_containers(engine, runtime["label"])
    ]
    tasks = live(stack)
    assert sorted(c.labels["org.animehub.task"] for c in containers) == sorted(
        t["id"] for t in tasks
    )
    for container in containers:
        host = container.attrs["HostConfig"]
        assert host["NetworkMode"] == "host"
        assert host["NanoCpus"] == 256 * 1_000_000_000 // 1024  # the task definition's cpu
        assert host["Memory"] == 512 * 1024 * 1024  # ... and its memory
        assert container.attrs["Config"]["User"] == "10001:10001"
        assert container.image.tags and "animehub-api:" in container.image.tags[0]
    # Each task keeps its own loopback address, and its log is collected like a process's.
    assert len({t["host"] for t in tasks}) == len(tasks)
    log = Path(tasks[0]["log"]).read_text()
    assert tasks[0]["id"] in log or "Uvicorn running" in log or "started" in log


def alb_status(stack) -> dict:
    return stack.describe()["components"]["load_balancer"]


def test_a_killed_container_is_marked_by_the_alb_replaced_and_described_with_137(stack, engine):
    """SIGKILL from outside, as a crash would: the essential container exits with 137, ECS
    stops the task and takes its target out of the target group (draining, then gone, at once
    with nothing in flight), and the service starts a replacement. [AWS: task-lifecycle,
    stopped-task-errors, load-balancer-target-groups#deregistration-delay, API_DescribeTasks]"""
    victim = live(stack)[0]
    target = {"id": victim["host"], "port": victim["port"]}
    engine.containers.get(victim["container"]).kill()

    def alb_marked() -> bool:
        alb = alb_status(stack)
        gone = [
            t for t in alb["recently_deregistered"] if {"id": t["id"], "port": t["port"]} == target
        ]
        listed = [t for t in alb["targets"] if {"id": t["id"], "port": t["port"]} == target]
        return bool(gone) and all(t["state"] == "draining" for t in listed)

    wait_until(alb_marked, what="the ALB to take the killed task's target out", timeout=60)

    ecs = stack.endpoints.client("ecs")
    cluster = stack.record.cluster

    def described_stopped() -> dict:
        arns = ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"]
        mine = [a for a in arns if a.endswith(victim["id"])]
        if not mine:
            raise NotYet("the killed task is not STOPPED in list-tasks yet")
        return ecs.describe_tasks(cluster=cluster, tasks=mine)["tasks"][0]

    stopped = wait_until(
        described_stopped, what="describe-tasks to show the stopped task", timeout=60
    )
    assert stopped["lastStatus"] == "STOPPED" and stopped["desiredStatus"] == "STOPPED"
    assert stopped["containers"][0]["exitCode"] == 137
    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["stoppedReason"] == "Essential container in task exited"  # ECS's words

    wait_until(lambda: steady(stack), what="a replacement task", timeout=120)
    replacements = [t for t in live(stack) if t["id"] != victim["id"]]
    assert len(replacements) == service(stack)["desired"]
    healthy = {
        (t["id"], t["port"]) for t in alb_status(stack)["targets"] if t["state"] == "healthy"
    }
    assert {(t["host"], t["port"]) for t in replacements} <= healthy
    label = stack.describe()["components"]["ecs_agent"]["runtime"]["label"]
    running = labelled_containers(engine, label, running=True)
    assert victim["container"] not in {c.short_id for c in running}


def test_deploy_api_rolls_to_a_new_image_with_no_failed_request(stack, engine):
    from harness.pipelines.api_deploy import deploy_api

    before = service(stack)["task_definition"]
    with Poller(stack.describe()["alb_url"]) as poller:
        wait_until(lambda: len(poller.outcomes) >= 5, what="first answers", timeout=30)
        done = deploy_api(stack, build=True, timeout=240)
    assert done.task_definition_arn != before
    assert done.task_definition_arn.rsplit(":", 1)[1] == str(int(before.rsplit(":", 1)[1]) + 1)
    assert poller.failures == []
    assert len(poller.outcomes) > 20
    tasks = live(stack)
    assert {t["task_definition"] for t in tasks} == {done.task_definition_arn}
    label = stack.describe()["components"]["ecs_agent"]["runtime"]["label"]
    running = labelled_containers(engine, label, running=True)
    assert {c.attrs["Image"] for c in running} == {done.image}


def test_down_leaves_no_container(api_image, engine, tmp_path):
    label = up(tmp_path, 1)["components"]["ecs_agent"]["runtime"]["label"]
    assert len(labelled_containers(engine, label)) == 1
    assert harness("down", "--run-dir", str(tmp_path)).returncode == 0
    assert labelled_containers(engine, label) == []


def test_a_killed_harness_leaves_no_container(api_image, engine, tmp_path):
    doc = up(tmp_path, 1)
    label = doc["components"]["ecs_agent"]["runtime"]["label"]
    assert label.startswith(f"{RUN_LABEL}=")
    assert len(labelled_containers(engine, label)) == 1
    os.kill(doc["pid"], signal.SIGKILL)
    wait_until(
        lambda: labelled_containers(engine, label) == [], what="the reaper's sweep", timeout=60
    )
