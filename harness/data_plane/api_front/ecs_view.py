"""What the ECS API front answers from the agent: its cluster's tasks and services."""

from __future__ import annotations

from harness.data_plane.api_front import ecs_shapes as shapes
from harness.data_plane.ecs.task_lifecycle import LIVE


class AgentView:
    def __init__(self, agent, cluster_arn: str, region: str) -> None:
        self.agent = agent
        self.cluster_arn = cluster_arn
        self.region = region

    def owns(self, cluster: str | None) -> bool:
        cluster = cluster or "default"
        return cluster in (self.agent.cluster, self.cluster_arn)

    def _launch_type(self, task) -> str | None:
        spec = self.agent.service(task.service)
        return spec.launch_type if spec else None

    def describe(self, task) -> dict:
        return shapes.task_document(task, self.cluster_arn, self.region, self._launch_type(task))

    def find(self, task_ref: str):
        task_id = task_ref.rsplit("/", 1)[-1]
        return next((t for t in self.agent.tasks() if t.id == task_id), None)

    def list_arns(self, params: dict) -> list[str]:
        desired = params.get("desiredStatus", "RUNNING")
        service = (params.get("serviceName") or "").rsplit("/", 1)[-1]
        family = params.get("family")
        started_by = params.get("startedBy")
        launch_type = params.get("launchType")
        arns = []
        for task in self.agent.tasks():
            if task.desired_status != desired:
                continue
            if service and task.service != service:
                continue
            if started_by and task.deployment_id != started_by:
                continue
            if family and task.task_definition_arn.rsplit("/", 1)[-1].split(":")[0] != family:
                continue
            if launch_type and (self._launch_type(task) or "FARGATE") != launch_type:
                continue
            arns.append(shapes.task_arn(self.cluster_arn, task.id))
        return arns

    def overlay_service(self, service: dict) -> dict:
        """The emulator's service document with the counts and deployments of what runs."""
        name = service.get("serviceName")
        if name not in self.agent.service_names or not self.owns(service.get("clusterArn")):
            return service
        tasks = [t for t in self.agent.tasks() if t.service == name]
        running, pending = shapes.counts([t for t in tasks if t.state in LIVE])
        deployments = self.agent.deployments.list(name)
        return service | {
            "runningCount": running,
            "pendingCount": pending,
            "deployments": [shapes.deployment_document(d, tasks, service) for d in deployments]
            or service.get("deployments", []),
        }
