"""The agent's tasks and deployments in the ECS API's JSON shapes (Task, Container, Deployment
in the Amazon ECS API reference); timestamps are epoch seconds, as the JSON protocol sends."""

from __future__ import annotations

import uuid

from harness.data_plane.ecs.task_lifecycle import LIVE, TaskState

PENDING_STATES = (TaskState.PROVISIONING, TaskState.PENDING, TaskState.ACTIVATING)
FARGATE_PLATFORM_VERSION = "1.4.0"


def task_arn(cluster_arn: str, task_id: str) -> str:
    prefix, _, cluster = cluster_arn.partition(":cluster/")
    return f"{prefix}:task/{cluster}/{task_id}"


def _container_status(task) -> str:
    if task.state in PENDING_STATES:
        return "PENDING"
    if task.state in (TaskState.DEPROVISIONING, TaskState.STOPPED) or task.exit_code is not None:
        return "STOPPED"
    return "RUNNING"


def _drop_none(document: dict) -> dict:
    return {k: v for k, v in document.items() if v is not None}


def task_document(task, cluster_arn: str, region: str, launch_type: str | None) -> dict:
    arn = task_arn(cluster_arn, task.id)
    prefix, _, cluster = cluster_arn.partition(":cluster/")
    attachment = str(uuid.uuid5(uuid.NAMESPACE_URL, arn + "/eni"))
    host = task.process.host
    container = _drop_none(
        {
            "containerArn": f"{prefix}:container/{cluster}/{task.id}/"
            + str(uuid.uuid5(uuid.NAMESPACE_URL, arn + "/" + task.container_name)),
            "taskArn": arn,
            "name": task.container_name,
            "image": task.image,
            "lastStatus": _container_status(task),
            "exitCode": task.exit_code,
            "networkBindings": [],
            "networkInterfaces": [{"attachmentId": attachment, "privateIpv4Address": host}],
            "healthStatus": "UNKNOWN",
        }
    )
    stopped = task.state is TaskState.STOPPED
    return _drop_none(
        {
            "taskArn": arn,
            "clusterArn": cluster_arn,
            "taskDefinitionArn": task.task_definition_arn,
            "group": f"service:{task.service}",
            "startedBy": task.deployment_id,
            "launchType": launch_type or "FARGATE",
            "platformVersion": FARGATE_PLATFORM_VERSION,
            "platformFamily": "Linux",
            "availabilityZone": f"{region}a",
            "attachments": [
                {
                    "id": attachment,
                    "type": "ElasticNetworkInterface",
                    "status": "DELETED" if stopped else "ATTACHED",
                    "details": [{"name": "privateIPv4Address", "value": host}],
                }
            ],
            "connectivity": "DISCONNECTED" if stopped else "CONNECTED",
            "connectivityAt": task.created_at,
            "containers": [container],
            "createdAt": task.created_at,
            "desiredStatus": task.desired_status,
            "lastStatus": str(task.state),
            "healthStatus": "UNKNOWN",
            "enableExecuteCommand": False,
            "startedAt": task.started_at,
            "stoppingAt": task.stopping_at,
            "stoppedAt": task.stopped_at,
            "stoppedReason": task.stopped_reason,
            "stopCode": str(task.stop_code) if task.stop_code else None,
            "version": len(task.history),
        }
    )


def counts(tasks) -> tuple[int, int]:
    """(runningCount, pendingCount) as ECS counts them: lastStatus RUNNING, and the tasks on
    their way there."""
    running = sum(t.state is TaskState.RUNNING for t in tasks)
    pending = sum(t.state in PENDING_STATES for t in tasks)
    return running, pending


def deployment_document(deployment, tasks, service: dict) -> dict:
    mine = [t for t in tasks if t.deployment_id == deployment.id and t.state in LIVE]
    running, pending = counts(mine)
    return _drop_none(
        {
            "id": deployment.id,
            "status": deployment.status,
            "taskDefinition": deployment.task_definition_arn,
            "desiredCount": deployment.desired_count,
            "pendingCount": pending,
            "runningCount": running,
            "failedTasks": deployment.failed_tasks,
            "createdAt": deployment.created_at,
            "updatedAt": deployment.updated_at,
            "launchType": service.get("launchType"),
            "platformVersion": FARGATE_PLATFORM_VERSION,
            "platformFamily": "Linux",
            "networkConfiguration": service.get("networkConfiguration"),
            "rolloutState": deployment.rollout_state,
            "rolloutStateReason": deployment.rollout_state_reason,
        }
    )
