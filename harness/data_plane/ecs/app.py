"""The ECS agent's loop: reads the services from ECS every `poll_interval`, advances every task
through PROVISIONING -> RUNNING -> DEACTIVATING (draining in the ALB) -> STOPPING -> STOPPED without
blocking, and applies `deployment.plan`. The agent's own view of its tasks is authoritative; the
control plane records them only where the backend can. `part.EcsAgent` runs it on a thread.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from harness.data_plane.ecs.config import ControlPlane, ServiceSpec, image_repository
from harness.data_plane.ecs.deployment import TaskView, plan
from harness.data_plane.ecs.task_process import (
    LoopbackAddresses,
    TaskProcess,
    base_environment,
    free_port,
)
from harness.errors import HarnessError

log = logging.getLogger("harness.data_plane.ecs.agent")

TICK = 0.1
START_TIMEOUT = 60.0  # a task whose port never opens is stopped and replaced
STOP_GRACE = 5.0  # SIGTERM -> SIGKILL
KEEP_STOPPED = 10  # stopped tasks kept per service, for health() and error messages
EXITED = "Essential container in task exited"


class TaskState(StrEnum):
    PROVISIONING = "PROVISIONING"
    RUNNING = "RUNNING"
    DEACTIVATING = "DEACTIVATING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"


@dataclass
class Task:
    id: str
    service: str
    task_definition_arn: str
    process: TaskProcess
    target_group_arn: str | None
    created_at: float = field(default_factory=time.time)
    state: TaskState = TaskState.PROVISIONING
    started_at: float | None = None
    stopped_at: float | None = None
    stopped_reason: str | None = None
    exit_code: int | None = None
    registered: bool = False
    ever_healthy: bool = False
    drain_deadline: float = 0.0
    recorded: bool = False

    @property
    def live(self) -> bool:
        return self.state in (TaskState.PROVISIONING, TaskState.RUNNING)


class TaskLoop:
    """The reconciling loop and per-task state machine; `EcsAgent` sets the state it reads."""

    cluster: str
    service_names: list[str]
    alb: object | None
    commands: Mapping[str, Sequence[str]]
    poll_interval: float
    log_dir: object
    extra_env: dict[str, str]
    _endpoint_env: dict[str, str]
    _control_plane: ControlPlane
    _addresses: LoopbackAddresses
    _lock: threading.Lock
    _services: dict[str, ServiceSpec]
    _tasks: list[Task]
    _failures: dict[str, int]
    _next_start: dict[str, float]
    _problems: dict[str, str]
    _stop: threading.Event

    # -- the loop ---------------------------------------------------------------------------

    def _run(self) -> None:
        next_poll = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_poll:
                next_poll = now + self.poll_interval
                try:
                    services = self._control_plane.describe_services(self.service_names)
                    with self._lock:
                        self._services = services
                except Exception as exc:  # noqa: BLE001 - keep the tasks we have
                    log.warning("ecs: describe_services failed: %s", exc)
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
        live = [t for t in self._tasks if t.service == spec.name and t.live]
        decision = plan(
            spec.desired_count,
            spec.task_definition_arn,
            [TaskView(t.id, t.task_definition_arn, self._healthy(t), t.created_at) for t in live],
            min_healthy_percent=spec.min_healthy_percent,
            max_percent=spec.max_percent,
        )
        for task in live:
            if task.id in decision.stop:
                self._begin_stop(task, "Scaling activity initiated by (deployment)")
        if decision.start and time.monotonic() >= self._next_start.get(spec.name, 0.0):
            for _ in range(decision.start):
                self._start_task(spec)

    def _start_task(self, spec: ServiceSpec) -> None:
        definition = self._control_plane.task_definition(spec.task_definition_arn)
        container = definition.container_for(spec)
        argv = self._command_for(container.image)
        task_id = self._control_plane.record_task_started(spec, definition.arn)
        recorded = task_id is not None
        task_id = task_id or uuid.uuid4().hex
        host = self._addresses.take()
        port = free_port(host)
        env = base_environment() | self._endpoint_env | container.environment | self.extra_env
        env |= {"TASK_ID": task_id, "HOST": host, "PORT": str(port)}
        process = TaskProcess(
            argv,
            env,
            host,
            port,
            self.log_dir / f"task-{spec.name}-{task_id}.log",
        )
        task = Task(
            id=task_id,
            service=spec.name,
            task_definition_arn=definition.arn,
            process=process,
            target_group_arn=spec.target_group_arn,
            recorded=recorded,
        )
        process.start()
        with self._lock:
            self._tasks.append(task)
        self._problems.pop(spec.name, None)
        log.info(
            "ecs: %s task %s started (pid %s) on %s:%s", spec.name, task_id, process.pid, host, port
        )

    def _command_for(self, image: str) -> Sequence[str]:
        """The local command for an image: by repository (`team/animehub-api`), else by its
        last path segment (`animehub-api`)."""
        repository = image_repository(image)
        for name in (repository, repository.rsplit("/", 1)[-1]):
            if name in self.commands:
                return self.commands[name]
        raise HarnessError(
            f"no local command for image {image!r} (repository {repository!r}); "
            f"known: {sorted(self.commands)}"
        )

    def _advance(self, task: Task) -> None:
        now = time.monotonic()
        exit_code = task.process.exit_code() if task.live else None
        if exit_code is not None:
            task.exit_code = exit_code
            self._deregister(task)
            self._finish(task, f"{EXITED} (exit code {exit_code})", record=True)
            return
        if task.state is TaskState.PROVISIONING:
            if task.process.accepts_connections():
                task.state = TaskState.RUNNING
                task.started_at = time.time()
                self._register(task)
            elif time.time() - task.created_at > START_TIMEOUT:
                self._begin_stop(
                    task, f"Task did not listen on its port within {START_TIMEOUT:.0f}s"
                )
        elif task.state is TaskState.RUNNING:
            if self._healthy(task):
                if not task.ever_healthy:
                    task.ever_healthy = True
                    self._failures[task.service] = 0
            elif self._alb_state(task) == "unhealthy" and self._past_grace(task):
                self._begin_stop(
                    task, f"Task failed ELB health checks in (target-group {task.target_group_arn})"
                )
        elif task.state is TaskState.DEACTIVATING:
            drained = self._alb_state(task) is None if self._alb_sees(task) else False
            if drained or now >= task.drain_deadline:
                task.process.terminate()
                task.state = TaskState.STOPPING
        elif task.state is TaskState.STOPPING and task.process.kill_if_slow(STOP_GRACE):
            task.exit_code = task.process.exit_code()
            self._finish(task, task.stopped_reason or "Task stopped", record=True)

    def _begin_stop(self, task: Task, reason: str) -> None:
        log.info("ecs: stopping task %s: %s", task.id, reason)
        task.stopped_reason = reason
        if task.registered:
            delay = self._control_plane.deregistration_delay(task.target_group_arn)
            self._deregister(task)
            task.drain_deadline = time.monotonic() + delay
            task.state = TaskState.DEACTIVATING
        else:
            task.process.terminate()
            task.state = TaskState.STOPPING

    def _finish(self, task: Task, reason: str, *, record: bool) -> None:
        if task.state is TaskState.STOPPED:
            return
        task.state = TaskState.STOPPED
        task.stopped_at = time.time()
        task.stopped_reason = task.stopped_reason or reason
        if not task.ever_healthy:
            failures = self._failures.get(task.service, 0) + 1
            self._failures[task.service] = failures
            if failures >= 2:  # a task that keeps failing is retried with a growing pause
                self._next_start[task.service] = time.monotonic() + min(
                    0.5 * 2 ** (failures - 2), 10
                )
        log.info("ecs: task %s stopped: %s", task.id, task.stopped_reason)
        if record and task.recorded:
            self._control_plane.record_task_stopped(task.id, task.stopped_reason)
        with self._lock:
            stopped = [
                t for t in self._tasks if t.service == task.service and t.state is TaskState.STOPPED
            ]
            for old in stopped[:-KEEP_STOPPED]:
                self._tasks.remove(old)

    # -- target group and ALB -----------------------------------------------------------------

    def _register(self, task: Task) -> None:
        if task.target_group_arn is None:
            return
        self._control_plane.register_target(
            task.target_group_arn, task.process.host, task.process.port
        )
        task.registered = True
        if self._alb_sees(task):
            self.alb.refresh_targets()

    def _deregister(self, task: Task) -> None:
        if not task.registered:
            return
        task.registered = False
        try:
            self._control_plane.deregister_target(
                task.target_group_arn, task.process.host, task.process.port
            )
        except Exception as exc:  # noqa: BLE001 - e.g. deregistered from outside already
            log.info("ecs: deregistering task %s: %s", task.id, exc)
        if self._alb_sees(task):
            self.alb.refresh_targets()

    def _alb_sees(self, task: Task) -> bool:
        return (
            self.alb is not None
            and task.target_group_arn is not None
            and task.target_group_arn == self.alb.target_group_arn
        )

    def _alb_state(self, task: Task) -> str | None:
        if not self._alb_sees(task):
            return None
        return self.alb.target_state(task.process.host, task.process.port)

    def _healthy(self, task: Task) -> bool:
        if task.state is not TaskState.RUNNING:
            return False
        if not self._alb_sees(task):
            return True
        return self._alb_state(task) in ("healthy", "unavailable")

    def _past_grace(self, task: Task) -> bool:
        spec = self._services.get(task.service)
        grace = spec.health_check_grace_period if spec else 0.0
        return task.started_at is not None and time.time() - task.started_at >= grace
