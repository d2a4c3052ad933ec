"""The ECS API, asked through the front with boto3, tells what the agent runs.

AWS pages: Amazon ECS API reference (ListTasks, DescribeTasks, DescribeServices, StopTask,
UpdateService forceNewDeployment); task-lifecycle; stopped-task-errors.
"""

from __future__ import annotations

import os
import signal

import pytest

from harness.data_plane.api_front import ApiFront
from harness.plumbing.waiting import wait_until


@pytest.fixture
def front_for(endpoints):
    fronts = []

    def make(agent) -> object:
        front = ApiFront(endpoints).start()
        front.serve_ecs(agent)
        fronts.append(front)
        return front.endpoints.client("ecs")

    yield make
    for front in fronts:
        front.stop()


def described(ecs, service) -> list[dict]:
    arns = ecs.list_tasks(cluster=service.cluster, serviceName=service.name)["taskArns"]
    return ecs.describe_tasks(cluster=service.cluster, tasks=arns)["tasks"] if arns else []


def service_doc(ecs, service) -> dict:
    return ecs.describe_services(cluster=service.cluster, services=[service.name])["services"][0]


def agrees(ecs, service, agent, count: int) -> bool:
    """list/describe-tasks and describe-services say what the agent says: `count` running."""
    health = agent.health()["services"][service.name]
    running_ids = {t["id"] for t in health["tasks"] if t["state"] == "RUNNING"}
    tasks = described(ecs, service)
    doc = service_doc(ecs, service)
    return (
        len(running_ids) == count
        and {t["taskArn"].rsplit("/", 1)[-1] for t in tasks} == running_ids
        and all(t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING" for t in tasks)
        and doc["runningCount"] == count
        and doc["pendingCount"] == 0
        and [d["rolloutState"] for d in doc["deployments"]] == ["COMPLETED"]
    )


def test_start_kill_scale_and_forced_deployment_all_show_in_the_ecs_api(
    make_service, running, front_for
):
    service = make_service(desired=2)
    _, agent = running(service)
    ecs = front_for(agent)
    agent.wait_steady(60)
    wait_until(
        lambda: agrees(ecs, service, agent, 2), what="two running tasks in the ECS API", timeout=60
    )
    (task, _) = described(ecs, service)
    assert task["taskArn"].startswith("arn:aws:ecs:us-east-1:123456789012:task/cluster-")
    assert task["startedBy"].startswith("ecs-svc/") and task["group"] == f"service:{service.name}"
    assert task["startedAt"] >= task["createdAt"]
    assert task["containers"][0]["name"] == "api"
    assert task["containers"][0]["lastStatus"] == "RUNNING"

    # A kill: the essential container exits with 137 and the task is replaced.
    victim = next(t for t in agent.health()["services"][service.name]["tasks"])
    os.kill(victim["pid"], signal.SIGKILL)
    wait_until(
        lambda: agrees(ecs, service, agent, 2) and victim["id"] not in str(described(ecs, service)),
        what="the killed task replaced",
        timeout=60,
    )
    stopped_arns = ecs.list_tasks(cluster=service.cluster, desiredStatus="STOPPED")["taskArns"]
    (stopped,) = [
        t
        for t in ecs.describe_tasks(cluster=service.cluster, tasks=stopped_arns)["tasks"]
        if t["taskArn"].endswith(victim["id"])
    ]
    assert stopped["lastStatus"] == "STOPPED" and stopped["desiredStatus"] == "STOPPED"
    assert stopped["stoppedReason"] == "Essential container in task exited"
    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["containers"][0]["exitCode"] == 137
    assert stopped["stoppedAt"] >= stopped["startedAt"]

    # Scale to 3.
    ecs.update_service(cluster=service.cluster, service=service.name, desiredCount=3)
    wait_until(
        lambda: agrees(ecs, service, agent, 3),
        what="three running tasks in the ECS API",
        timeout=60,
    )

    # A forced deployment: a new PRIMARY, every old task replaced, then COMPLETED.
    before = {t["taskArn"] for t in described(ecs, service)}
    old_deployment = service_doc(ecs, service)["deployments"][0]["id"]
    answer = ecs.update_service(
        cluster=service.cluster, service=service.name, forceNewDeployment=True
    )["service"]
    assert [d["status"] for d in answer["deployments"]] == ["PRIMARY", "ACTIVE"]
    assert answer["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert answer["deployments"][1]["id"] == old_deployment
    wait_until(
        lambda: (
            agrees(ecs, service, agent, 3)
            and not before & {t["taskArn"] for t in described(ecs, service)}
        ),
        what="the forced deployment rolled every task",
        timeout=60,
    )
    new_deployment = service_doc(ecs, service)["deployments"][0]["id"]
    assert new_deployment != old_deployment
    assert {t["startedBy"] for t in described(ecs, service)} == {new_deployment}
    replaced = ecs.describe_tasks(cluster=service.cluster, tasks=sorted(before))["tasks"]
    assert {t["stoppedReason"] for t in replaced} == {
        f"Scaling activity initiated by (deployment {old_deployment})"
    }


def test_stop_task_through_the_api_stops_and_replaces_the_task(make_service, running, front_for):
    service = make_service(desired=1)
    _, agent = running(service)
    ecs = front_for(agent)
    agent.wait_steady(60)
    (arn,) = ecs.list_tasks(cluster=service.cluster)["taskArns"]

    answer = ecs.stop_task(cluster=service.cluster, task=arn, reason="rotating keys")["task"]

    assert answer["desiredStatus"] == "STOPPED"
    stopped = wait_until(
        lambda: [
            t
            for t in ecs.describe_tasks(cluster=service.cluster, tasks=[arn])["tasks"]
            if t["lastStatus"] == "STOPPED"
        ],
        what="the stopped task",
        timeout=60,
    )[0]
    assert stopped["stoppedReason"] == "rotating keys" and stopped["stopCode"] == "UserInitiated"
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it: 128 + 15, as in a container
    assert stopped["containers"][0]["exitCode"] == 143
    wait_until(lambda: agrees(ecs, service, agent, 1), what="a replacement task", timeout=60)
    assert ecs.list_tasks(cluster=service.cluster)["taskArns"] != [arn]


def test_an_unknown_task_is_a_failure_and_other_calls_reach_the_emulator(
    make_service, running, front_for
):
    service = make_service(desired=0)
    _, agent = running(service)
    ecs = front_for(agent)
    missing = "arn:aws:ecs:us-east-1:123456789012:task/x/0123456789abcdef0123456789abcdef"

    answer = ecs.describe_tasks(cluster=service.cluster, tasks=[missing])

    assert answer["tasks"] == [] and answer["failures"] == [{"arn": missing, "reason": "MISSING"}]
    assert service.cluster in str(ecs.list_clusters()["clusterArns"])
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.list_tasks(cluster="nope")


def test_task_output_reaches_its_awslogs_group_and_stream(make_service, running, endpoints):
    """[using_awslogs]: stream `prefix/container-name/ecs-task-id`; `awslogs-create-group`."""
    service = make_service(desired=0)
    group = f"/ecs/{service.family}"
    log_configuration = {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": group,
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "web",
            "awslogs-create-group": "true",
        },
    }
    revision = service.register_revision({"STANDIN_FAIL": "1"}, logConfiguration=log_configuration)
    service.update(taskDefinition=revision, desiredCount=1)
    _, agent = running(service)
    task = wait_until(
        lambda: [t for t in agent.health()["services"]["api"]["tasks"] if t["state"] == "STOPPED"],
        what="the failing task stopped",
        timeout=60,
    )[0]
    logs = endpoints.client("logs")

    def lines() -> list[dict]:
        try:
            return logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []  # the driver creates the group with the first lines

    events = wait_until(lines, what="the task's lines", timeout=60)

    assert {e["logStreamName"] for e in events} >= {f"web/api/{task['id']}"}
    assert "standin: failing on purpose (STANDIN_FAIL)" in [e["message"] for e in events]
