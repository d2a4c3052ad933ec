"""A service's deployments as ECS reports them: one PRIMARY, older ones ACTIVE until drained.

A new task definition or `update-service --force-new-deployment` opens a new PRIMARY; tasks
belong to the deployment that started them (their `startedBy`), and the rollout is COMPLETED
once the PRIMARY runs its desired count and no task of an older deployment is left
[deployment-type-ecs, Deployment in the ECS API reference].
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field


def new_deployment_id() -> str:
    return "ecs-svc/" + "".join(secrets.choice("0123456789") for _ in range(19))


@dataclass
class Deployment:
    id: str
    task_definition_arn: str | None
    desired_count: int
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    status: str = "PRIMARY"
    rollout_state: str = "IN_PROGRESS"
    failed_tasks: int = 0

    @property
    def rollout_state_reason(self) -> str:
        if self.rollout_state == "COMPLETED":
            return f"ECS deployment {self.id} completed."
        return f"ECS deployment {self.id} in progress."


class ServiceDeployments:
    """Per service, newest first. Thread-safe: the ECS API front reads and forces from its own
    thread while the agent's loop reconciles."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_service: dict[str, list[Deployment]] = {}

    def primary(self, service: str, task_definition_arn: str | None, desired: int) -> Deployment:
        """The PRIMARY for this task definition, opening a new one when it changed."""
        with self._lock:
            deployments = self._by_service.setdefault(service, [])
            if deployments and deployments[0].task_definition_arn == task_definition_arn:
                current = deployments[0]
                if current.desired_count != desired:
                    current.desired_count = desired
                    current.updated_at = time.time()
                return current
            return self._open(service, task_definition_arn, desired)

    def force_new(self, service: str) -> Deployment | None:
        with self._lock:
            deployments = self._by_service.get(service)
            if not deployments:
                return None
            current = deployments[0]
            return self._open(service, current.task_definition_arn, current.desired_count)

    def _open(self, service: str, task_definition_arn: str | None, desired: int) -> Deployment:
        deployments = self._by_service.setdefault(service, [])
        for old in deployments:
            old.status = "ACTIVE"
            old.desired_count = 0
            old.updated_at = time.time()
        deployment = Deployment(new_deployment_id(), task_definition_arn, desired)
        deployments.insert(0, deployment)
        return deployment

    def settle(self, service: str, running_by_deployment: dict[str, int]) -> None:
        """Mark the PRIMARY completed and drop drained deployments once the rollout is done."""
        with self._lock:
            deployments = self._by_service.get(service, [])
            if not deployments:
                return
            primary, older = deployments[0], deployments[1:]
            drained = [d for d in older if not running_by_deployment.get(d.id)]
            for old in drained:
                deployments.remove(old)
            done = len(deployments) == 1 and running_by_deployment.get(primary.id, 0) == (
                primary.desired_count
            )
            if done and primary.rollout_state != "COMPLETED":
                primary.rollout_state = "COMPLETED"
                primary.updated_at = time.time()

    def failed(self, service: str, deployment_id: str) -> None:
        with self._lock:
            for deployment in self._by_service.get(service, []):
                if deployment.id == deployment_id:
                    deployment.failed_tasks += 1

    def list(self, service: str) -> list[Deployment]:
        with self._lock:
            return [Deployment(**vars(d)) for d in self._by_service.get(service, [])]
