"""The ECS agent's loop: reads the services from ECS every `poll_interval`, advances every task
through ECS's lifecycle (task_lifecycle.TaskState, in order) without blocking, and applies
`deployment.plan` per deployment. The agent's view of its tasks is what the API front
(harness.data_plane.api_front) answers `list-tasks`, `describe-tasks` and `describe-services`
with. `part.EcsAgent` runs it on a thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field

from harness.clock import clock
from harness.data_plane.ecs import task_lifecycle as lifecycle
from harness.data_plane.ecs.awslogs import AwsLogsDriver
from harness.data_plane.ecs.config import ControlPlane, ServiceSpec
from harness.data_plane.ecs.deployment import TaskView, plan
from harness.data_plane.ecs.deployments import ServiceDeployments
from harness.data_plane.ecs.iam_gate import IamGate
from harness.data_plane.ecs.runtime import RunningTask, TaskLaunch, TaskRuntime
from harness.data_plane.ecs.target_registration import TargetRegistration
from harness.data_plane.ecs.task_endpoints import TaskEndpoints, TaskIdentity, task_arn
from harness.data_plane.ecs.task_lifecycle import StopCode, TaskState
from harness.data_plane.ecs.task_process import LoopbackAddresses, free_port
from harness.errors import HarnessError

log = logging.getLogger("harness.data_plane.ecs.agent")

TICK = 0.1
START_TIMEOUT = 60.0  # a task whose port never opens is stopped and replaced
KEEP_STOPPED = 100  # stopped tasks kept per service (ECS shows them for about an hour)


@dataclass
class Task:
    id: str
    service: str
    task_definition_arn: str
    process: RunningTask
    target_group_arn: str | None
    deployment_id: str = ""
    container_name: str = ""
    image: str = ""
    stop_timeout: float = lifecycle.FARGATE_DEFAULT_STOP_TIMEOUT
    created_at: float = field(default_factory=time.time)
    state: TaskState = TaskState.PROVISIONING
    desired_status: str = "RUNNING"
    history: list[tuple[str, float]] = field(default_factory=list)
    started_at: float | None = None
    running_since: float | None = None  # clock.monotonic(): what the grace period counts from
    stopping_at: float | None = None
    stopped_at: float | None = None
    stopped_reason: str | None = None
    stop_code: str | None = None
    exit_code: int | None = None
    registered: bool = False
    ever_healthy: bool = False
    drain_deadline: float = 0.0

    def __post_init__(self) -> None:
        self.history.append((str(self.state), self.created_at))

    @property
    def live(self) -> bool:
        return self.state in lifecycle.LIVE

    def enter(self, state: TaskState) -> None:
        self.state = state
        self.history.append((str(state), time.time()))


class TaskLoop(TargetRegistration):
    """The reconciling loop and per-task state machine; `EcsAgent` sets the state it reads."""

    cluster: str
    service_names: list[str]
    alb: object | None
    runtime: TaskRuntime
    poll_interval: float
    log_dir: object
    extra_env: dict[str, str]
    deployments: ServiceDeployments
    _endpoint_env: dict[str, str]
    _task_endpoints: TaskEndpoints
    _iam_gate: IamGate
    _control_plane: ControlPlane
    _awslogs: AwsLogsDriver
    _addresses: LoopbackAddresses
    _lock: threading.Lock
    _services: dict[str, ServiceSpec]
    _tasks: list[Task]
    _failures: dict[str, int]
    _next_start: dict[str, float]
    _problems: dict[str, str]
    _requests: queue.SimpleQueue
    _stop: threading.Event
    _poll_requested: threading.Event

    # -- the loop ---------------------------------------------------------------------------

    def _run(self) -> None:
        next_poll = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_poll or self._poll_requested.is_set():
                self._poll_requested.clear()
                next_poll = now + self.poll_interval
                try:
                    services = self._control_plane.describe_services(self.service_names)
                    with self._lock:
                        self._services = services
                except Exception as exc:  # noqa: BLE001 - keep the tasks we have
                    log.warning("ecs: describe_services failed: %s", exc)
            while not self._requests.empty():
                task = self._requests.get()
                if task.live:
                    self._begin_stop(task, task.stopped_reason, StopCode(task.stop_code))
            for task in list(self._tasks):
                try:
                    self._advance(task)
                except Exception:  # noqa: BLE001 - one task's trouble must not stop the loop
                    log.exception("ecs: task %s", task.id)
            for spec in list(self._services.values()):
                try:
                    self._reconcile(spec)
                except Exception as exc:  # noqa: BLE001
                    if self._problems.get(spec.name) != str(exc):
                        log.error("ecs: service %s: %s", spec.name, exc)
                    self._problems[spec.name] = str(exc)
            self._stop.wait(TICK)

    def _reconcile(self, spec: ServiceSpec) -> None:
        mine = [t for t in self._tasks if t.service == spec.name]
        live = [t for t in mine if t.live and t.desired_status == "RUNNING"]
        primary = self.deployments.primary(spec.name, spec.task_definition_arn, spec.desired_count)
        running: dict[str, int] = {}
        for task in mine:
            if task.state is not TaskState.STOPPED:
                running[task.deployment_id] = running.get(task.deployment_id, 0) + (
                    task.state is TaskState.RUNNING or task.deployment_id != primary.id
                )
        self.deployments.settle(spec.name, running)
        decision = plan(
            spec.desired_count,
            primary.id if spec.task_definition_arn else None,
            [TaskView(t.id, t.deployment_id, self._healthy(t), t.created_at) for t in live],
            min_healthy_percent=spec.min_healthy_percent,
            max_percent=spec.max_percent,
        )
        for task in live:
            if task.id in decision.stop:
                self._begin_stop(
                    task,
                    lifecycle.scaling_activity(task.deployment_id),
                    StopCode.SERVICE_SCHEDULER_INITIATED,
                )
        if decision.start and time.monotonic() >= self._next_start.get(spec.name, 0.0):
            for _ in range(decision.start):
                self._start_task(spec, primary.id)

    def _start_task(self, spec: ServiceSpec, deployment_id: str) -> None:
        definition = self._control_plane.task_definition(spec.task_definition_arn)
        refusal = definition.refusal()
        if refusal:
            raise HarnessError(f"{definition.arn}: {refusal}")
        container = definition.container_for(spec)
        task_id = uuid.uuid4().hex
        host = self._addresses.take()
        port = free_port(host)
        env = self._endpoint_env | container.environment | self.extra_env
        env |= self._task_endpoints.register(
            TaskIdentity(
                task_arn=task_arn(definition.arn, self.cluster, task_id),
                family=definition.family,
                revision=definition.revision,
                role_arn=definition.task_role_arn,
                ip=host,
                port=port,
                cluster=self.cluster,
            )
        )
        self._iam_gate.prepare(definition.task_role_arn)
        env |= {"TASK_ID": task_id, "HOST": host, "PORT": str(port)}
        process = self.runtime.launch(
            TaskLaunch(
                task_id=task_id,
                service=spec.name,
                image=container.image,
                environment=env,
                host=host,
                port=port,
                log_path=self.log_dir / f"task-{spec.name}-{task_id}.log",
                cpu_units=definition.cpu_units,
                memory_mib=container.memory_mib or definition.memory_mib,
                health_check=container.health_check,
                stop_timeout=container.stop_timeout,
            )
        )
        task = Task(
            id=task_id,
            service=spec.name,
            task_definition_arn=definition.arn,
            process=process,
            target_group_arn=spec.target_group_arn,
            deployment_id=deployment_id,
            container_name=container.name,
            image=container.image,
            stop_timeout=lifecycle.stop_timeout(container.stop_timeout),
        )
        self._awslogs.follow(container.log_configuration, process.log_path, container.name, task_id)
        with self._lock:
            self._tasks.append(task)
        self._problems.pop(spec.name, None)
        log.info(
            "ecs: %s task %s provisioning (%s %s) on %s:%s",
            spec.name,
            task_id,
            self.runtime.name,
            process.pid,
            host,
            port,
        )

    def _advance(self, task: Task) -> None:
        now = clock.monotonic()
        exit_code = task.process.exit_code() if task.live else None
        if exit_code is not None:
            self._exited(task, exit_code)
            return
        if task.state is TaskState.PROVISIONING:
            task.process.start()  # from the loop thread: see task_process._die_with_parent
            task.enter(TaskState.PENDING)
            log.info("ecs: task %s pending (pid %s)", task.id, task.process.pid)
        elif task.state is TaskState.PENDING:
            if task.process.accepts_connections():
                task.enter(TaskState.ACTIVATING)
                self._register(task)
            elif time.time() - task.created_at > START_TIMEOUT:
                self._begin_stop(
                    task,
                    f"Task did not listen on its port within {START_TIMEOUT:.0f}s",
                    StopCode.TASK_FAILED_TO_START,
                )
        elif task.state is TaskState.ACTIVATING:
            task.started_at = clock.now()
            task.running_since = clock.monotonic()
            task.enter(TaskState.RUNNING)
        elif task.state is TaskState.RUNNING:
            if self._healthy(task):
                if not task.ever_healthy:
                    task.ever_healthy = True
                    self._failures[task.service] = 0
            elif self._alb_state(task) == "unhealthy" and self._past_grace(task):
                self._begin_stop(
                    task,
                    lifecycle.elb_health_checks_failed(task.target_group_arn),
                    StopCode.SERVICE_SCHEDULER_INITIATED,
                )
        elif task.state is TaskState.DEACTIVATING:
            drained = self._alb_state(task) is None if self._alb_sees(task) else False
            if drained or now >= task.drain_deadline:
                task.process.terminate()
                task.enter(TaskState.STOPPING)
        elif task.state is TaskState.STOPPING and task.process.kill_if_slow(task.stop_timeout):
            task.exit_code = lifecycle.container_exit_code(task.process.exit_code())
            task.enter(TaskState.DEPROVISIONING)
        elif task.state is TaskState.DEPROVISIONING:
            self._finish(task, task.stopped_reason or "Task stopped")

    def _exited(self, task: Task, returncode: int) -> None:
        """The essential container exited by itself: ECS stops the task around it."""
        task.exit_code = lifecycle.container_exit_code(returncode)
        task.desired_status = "STOPPED"
        task.stop_code = StopCode.ESSENTIAL_CONTAINER_EXITED
        task.stopped_reason = lifecycle.ESSENTIAL_CONTAINER_EXITED
        task.stopping_at = time.time()
        log.info("ecs: task %s exited with %s", task.id, task.exit_code)
        self._deregister(task)
        for state in (TaskState.DEACTIVATING, TaskState.STOPPING, TaskState.DEPROVISIONING):
            task.enter(state)
        self._finish(task, lifecycle.ESSENTIAL_CONTAINER_EXITED)

    def _begin_stop(self, task: Task, reason: str, code: StopCode) -> None:
        log.info("ecs: stopping task %s: %s", task.id, reason)
        task.desired_status = "STOPPED"
        task.stopped_reason = reason
        task.stop_code = code
        task.stopping_at = time.time()
        if task.registered:
            delay = self._control_plane.deregistration_delay(task.target_group_arn)
            self._deregister(task)
            task.drain_deadline = clock.monotonic() + delay
            task.enter(TaskState.DEACTIVATING)
        else:
            task.process.terminate()
            task.enter(TaskState.STOPPING)

    def _finish(self, task: Task, reason: str) -> None:
        if task.state is TaskState.STOPPED:
            return
        task.enter(TaskState.STOPPED)
        task.desired_status = "STOPPED"
        task.stopped_at = time.time()
        task.stopped_reason = task.stopped_reason or reason
        if not task.ever_healthy:
            failures = self._failures.get(task.service, 0) + 1
            self._failures[task.service] = failures
            self.deployments.failed(task.service, task.deployment_id)
            if failures >= 2:  # a task that keeps failing is retried with a growing pause
                self._next_start[task.service] = time.monotonic() + min(
                    0.5 * 2 ** (failures - 2), 10
                )
        log.info("ecs: task %s stopped: %s", task.id, task.stopped_reason)
        self._task_endpoints.unregister(task_arn(task.task_definition_arn, self.cluster, task.id))
        with self._lock:
            stopped = [
                t for t in self._tasks if t.service == task.service and t.state is TaskState.STOPPED
            ]
            for old in stopped[:-KEEP_STOPPED]:
                self._tasks.remove(old)
