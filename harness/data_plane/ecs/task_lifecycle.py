"""ECS's words for a task's life: states in order, stop codes, stoppedReason strings, exit codes.

Sources: task-lifecycle (the states), StopTask / Task in the ECS API reference (stopCode,
desiredStatus), stopped-task-errors (the stoppedReason strings), and
ContainerDefinition.stopTimeout (Fargate default 30 s, at most 120 s).
"""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    PROVISIONING = "PROVISIONING"
    PENDING = "PENDING"
    ACTIVATING = "ACTIVATING"
    RUNNING = "RUNNING"
    DEACTIVATING = "DEACTIVATING"
    STOPPING = "STOPPING"
    DEPROVISIONING = "DEPROVISIONING"
    STOPPED = "STOPPED"


ORDER = tuple(TaskState)
LIVE = (TaskState.PROVISIONING, TaskState.PENDING, TaskState.ACTIVATING, TaskState.RUNNING)


class StopCode(StrEnum):
    TASK_FAILED_TO_START = "TaskFailedToStart"
    ESSENTIAL_CONTAINER_EXITED = "EssentialContainerExited"
    USER_INITIATED = "UserInitiated"
    SERVICE_SCHEDULER_INITIATED = "ServiceSchedulerInitiated"


ESSENTIAL_CONTAINER_EXITED = "Essential container in task exited"
USER_STOPPED = "Task stopped by user"  # *unverified*: StopTask without a reason
FARGATE_DEFAULT_STOP_TIMEOUT = 30.0
MAX_STOP_TIMEOUT = 120.0


def elb_health_checks_failed(target_group_arn: str | None) -> str:
    return f"Task failed ELB health checks in (target-group {target_group_arn})"


def scaling_activity(deployment_id: str) -> str:
    return f"Scaling activity initiated by (deployment {deployment_id})"


def container_exit_code(returncode: int | None) -> int | None:
    """A process killed by signal N reads -N in Python; a container runtime reports 128 + N
    (137 for SIGKILL, 143 for SIGTERM)."""
    if returncode is None or returncode >= 0:
        return returncode
    return 128 - returncode


def stop_timeout(container_definition_value: int | None) -> float:
    if container_definition_value is None:
        return FARGATE_DEFAULT_STOP_TIMEOUT
    return float(min(max(int(container_definition_value), 0), MAX_STOP_TIMEOUT))
