"""What the agent reads from ECS and elbv2, and the targets it registers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from harness.data_plane.alb.config import read_deregistration_delay
from harness.data_plane.ecs.runtime import HealthCheck

log = logging.getLogger(__name__)

ECS_DEFAULT_MIN_HEALTHY_PERCENT = 100
ECS_DEFAULT_MAX_PERCENT = 200
DESCRIBE_SERVICES_BATCH = 10


@dataclass(frozen=True)
class LoadBalancerBinding:
    target_group_arn: str
    container_name: str | None
    container_port: int | None


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    desired_count: int
    task_definition_arn: str | None
    load_balancers: tuple[LoadBalancerBinding, ...] = ()
    min_healthy_percent: int = ECS_DEFAULT_MIN_HEALTHY_PERCENT
    max_percent: int = ECS_DEFAULT_MAX_PERCENT
    health_check_grace_period: float = 0.0
    launch_type: str | None = None
    network_configuration: dict | None = None

    @property
    def target_group_arn(self) -> str | None:
        return self.load_balancers[0].target_group_arn if self.load_balancers else None


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    environment: dict[str, str] = field(default_factory=dict)
    container_ports: tuple[int, ...] = ()
    essential: bool = True
    memory_mib: int | None = None
    health_check: HealthCheck | None = None
    stop_timeout: int | None = None
    log_configuration: dict | None = None
    log_driver: str | None = None


@dataclass(frozen=True)
class TaskDefinitionSpec:
    arn: str
    containers: tuple[ContainerSpec, ...]
    cpu_units: int | None = None
    memory_mib: int | None = None
    family: str = ""
    revision: str = ""
    task_role_arn: str | None = None
    execution_role_arn: str | None = None

    def refusal(self) -> str | None:
        """Why Fargate would not run this definition, in ECS's words, or None. The emulator
        registers it anyway; the agent refuses to start it and says why in its health."""
        if self.execution_role_arn is None and any(
            c.log_driver == "awslogs" for c in self.containers
        ):
            return (
                "Fargate requires task definition to have execution role ARN to support "
                "log driver awslogs."
            )
        return None

    def container_for(self, service: ServiceSpec) -> ContainerSpec:
        """The container the load balancer sends to, else the first essential one; a local
        task runs that one container (sidecars have no local counterpart)."""
        wanted = service.load_balancers[0].container_name if service.load_balancers else None
        for container in self.containers:
            if container.name == wanted:
                return container
        return next((c for c in self.containers if c.essential), self.containers[0])


def image_repository(image: str) -> str:
    """`123.dkr.ecr.us-east-1.amazonaws.com/animehub-api:1.0` -> `animehub-api`."""
    name = image.split("@", 1)[0]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        name = rest
    last_slash = name.rfind("/")
    tag_colon = name.rfind(":")
    if tag_colon > last_slash:
        name = name[:tag_colon]
    return name


class ControlPlane:
    """ECS and elbv2 through boto3. Task definitions are immutable and cached by ARN."""

    def __init__(self, endpoints, cluster: str) -> None:
        self.cluster = cluster
        self._ecs = endpoints.internal_client("ecs")
        self._elbv2 = endpoints.internal_client("elbv2")
        self._task_definitions: dict[str, TaskDefinitionSpec] = {}

    def describe_services(self, names: list[str]) -> dict[str, ServiceSpec]:
        specs: dict[str, ServiceSpec] = {}
        for start in range(0, len(names), DESCRIBE_SERVICES_BATCH):
            batch = names[start : start + DESCRIBE_SERVICES_BATCH]
            answer = self._ecs.describe_services(cluster=self.cluster, services=batch)
            for service in answer["services"]:
                specs[service["serviceName"]] = _service_spec(service)
            for failure in answer.get("failures", []):
                name = failure.get("arn", "").rsplit("/", 1)[-1]
                specs[name] = ServiceSpec(name=name, desired_count=0, task_definition_arn=None)
        return specs

    def task_definition(self, arn: str) -> TaskDefinitionSpec:
        if arn not in self._task_definitions:
            answer = self._ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            self._task_definitions[arn] = TaskDefinitionSpec(
                arn=answer["taskDefinitionArn"],
                containers=tuple(_container_spec(c) for c in answer["containerDefinitions"]),
                cpu_units=_whole(answer.get("cpu")),
                memory_mib=_whole(answer.get("memory")),
                family=answer.get("family", ""),
                revision=str(answer.get("revision", "")),
                task_role_arn=answer.get("taskRoleArn") or None,
                execution_role_arn=answer.get("executionRoleArn") or None,
            )
        return self._task_definitions[arn]

    def deregistration_delay(self, target_group_arn: str) -> float:
        return read_deregistration_delay(self._elbv2, target_group_arn)

    def register_target(self, target_group_arn: str, ip: str, port: int) -> None:
        self._elbv2.register_targets(
            TargetGroupArn=target_group_arn, Targets=[{"Id": ip, "Port": port}]
        )

    def deregister_target(self, target_group_arn: str, ip: str, port: int) -> None:
        self._elbv2.deregister_targets(
            TargetGroupArn=target_group_arn, Targets=[{"Id": ip, "Port": port}]
        )


def _service_spec(service: dict) -> ServiceSpec:
    deployment = service.get("deploymentConfiguration") or {}
    return ServiceSpec(
        name=service["serviceName"],
        desired_count=0 if service.get("status") == "INACTIVE" else service["desiredCount"],
        task_definition_arn=service.get("taskDefinition"),
        load_balancers=tuple(
            LoadBalancerBinding(
                lb["targetGroupArn"], lb.get("containerName"), lb.get("containerPort")
            )
            for lb in service.get("loadBalancers", [])
            if lb.get("targetGroupArn")
        ),
        min_healthy_percent=deployment.get(
            "minimumHealthyPercent", ECS_DEFAULT_MIN_HEALTHY_PERCENT
        ),
        max_percent=deployment.get("maximumPercent", ECS_DEFAULT_MAX_PERCENT),
        health_check_grace_period=float(service.get("healthCheckGracePeriodSeconds") or 0),
        launch_type=service.get("launchType"),
        network_configuration=service.get("networkConfiguration"),
    )


def _container_spec(container: dict) -> ContainerSpec:
    return ContainerSpec(
        name=container["name"],
        image=container.get("image", ""),
        environment={e["name"]: e["value"] for e in container.get("environment", [])},
        container_ports=tuple(
            p["containerPort"] for p in container.get("portMappings", []) if "containerPort" in p
        ),
        essential=container.get("essential", True),
        memory_mib=_whole(container.get("memory")),
        health_check=HealthCheck.from_definition(container.get("healthCheck")),
        stop_timeout=_whole(container.get("stopTimeout")),
        log_configuration=container.get("logConfiguration"),
        log_driver=(container.get("logConfiguration") or {}).get("logDriver"),
    )


def _whole(raw) -> int | None:
    """Task-level cpu/memory are strings in the API ("256"), container-level ones numbers."""
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None
