"""The ECS data plane: keeps each service's desired tasks running as local processes.

One loop thread reads the services from ECS every `poll_interval`, advances every task through
PROVISIONING -> RUNNING -> DEACTIVATING (draining in the ALB) -> STOPPING -> STOPPED without
blocking, and applies `deployment.plan`. The agent's own view of its tasks is authoritative;
the control plane records them only where the backend can.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from harness.data_plane.ecs.control_plane import ControlPlane, ServiceSpec
from harness.data_plane.ecs.deployment import TaskView, plan
from harness.data_plane.ecs.process_runtime import ProcessRuntime
from harness.data_plane.ecs.runtime import RunningTask, TaskLaunch, TaskRuntime
from harness.data_plane.ecs.task_process import LoopbackAddresses, free_port
from harness.errors import HarnessError

log = logging.getLogger(__name__)

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
    process: RunningTask
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


class EcsAgent:
    def __init__(
        self,
        endpoints,
        cluster: str,
        services: list[str],
        *,
        alb=None,
        log_dir: Path,
        extra_env: Mapping[str, str] | None = None,
        commands: Mapping[str, Sequence[str]] | None = None,
        runtime: TaskRuntime | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        self.cluster = cluster
        self.service_names = list(services)
        self.alb = alb
        self.log_dir = Path(log_dir)
        self.extra_env = dict(extra_env or {})
        self.runtime = runtime or ProcessRuntime(commands)
        self.poll_interval = poll_interval
        self._endpoint_env = endpoints.env()
        self._control_plane = ControlPlane(endpoints, cluster)
        self._addresses = LoopbackAddresses()
        self._lock = threading.Lock()
        self._services: dict[str, ServiceSpec] = {}
        self._tasks: list[Task] = []
        self._failures: dict[str, int] = {}  # tasks in a row that never became healthy
        self._next_start: dict[str, float] = {}
        self._problems: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ecs-agent", daemon=True)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> EcsAgent:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._services = self._control_plane.describe_services(self.service_names)
        except Exception as exc:
            raise HarnessError(
                f"ecs agent: cannot describe services in {self.cluster}: {exc}"
            ) from None
        if not self._addresses.distinct:
            log.warning("ecs: tasks share 127.0.0.1; an emulated target group keeps one of them")
        self._thread.start()
        return self

    def __enter__(self) -> EcsAgent:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        """Stops every task (SIGTERM, then SIGKILL) and reaps it; idempotent."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        with self._lock:
            remaining = [t for t in self._tasks if t.state is not TaskState.STOPPED]
        for task in remaining:
            task.process.terminate()
        for task in remaining:
            task.exit_code = task.process.stop(STOP_GRACE)
            self._deregister(task)
            self._finish(task, "Harness stopped", record=True)
        self.runtime.close()

    def kill_task(self, task_id: str) -> None:
        """SIGKILL to a task's process or container, as a crash would (a fault to test)."""
        with self._lock:
            task = next(t for t in self._tasks if t.id == task_id)
        task.process.kill()

    def wait_steady(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        # Read the services now, so that a change the caller just made counts (read your writes).
        services = self._control_plane.describe_services(self.service_names)
        with self._lock:
            self._services = services
        while time.monotonic() < deadline:
            if self._steady():
                return
            if not self._thread.is_alive():
                raise HarnessError("ecs agent: not running")
            time.sleep(0.05)
        raise HarnessError(self._explain_unsteady(timeout))

    def health(self) -> dict:
        with self._lock:
            services = dict(self._services)
            tasks = list(self._tasks)
        report = {}
        for name in self.service_names:
            spec = services.get(name)
            mine = [t for t in tasks if t.service == name]
            report[name] = {
                "desired": spec.desired_count if spec else None,
                "running": sum(t.state is TaskState.RUNNING for t in mine),
                "healthy": sum(t.state is TaskState.RUNNING and self._healthy(t) for t in mine),
                "task_definition": spec.task_definition_arn if spec else None,
                "problem": self._problems.get(name),
                "tasks": [self._describe(t) for t in mine],
            }
        return {
            "cluster": self.cluster,
            "runtime": {
                "name": self.runtime.name,
                "why": self.runtime.why,
                "label": getattr(self.runtime, "label", None),
            },
            "control_plane_records_tasks": self._control_plane.records_tasks,
            "services": report,
        }

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
        task_id = self._control_plane.record_task_started(spec, definition.arn)
        recorded = task_id is not None
        task_id = task_id or uuid.uuid4().hex
        host = self._addresses.take()
        port = free_port(host)
        env = self._endpoint_env | container.environment | self.extra_env
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
            recorded=recorded,
        )
        process.start()
        with self._lock:
            self._tasks.append(task)
        self._problems.pop(spec.name, None)
        log.info(
            "ecs: %s task %s started (%s %s) on %s:%s",
            spec.name,
            task_id,
            self.runtime.name,
            process.pid,
            host,
            port,
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

    # -- reporting --------------------------------------------------------------------------

    def _steady(self) -> bool:
        with self._lock:
            services = dict(self._services)
            tasks = [t for t in self._tasks if t.live]
        for name in self.service_names:
            spec = services.get(name)
            if spec is None:
                return False
            mine = [t for t in tasks if t.service == name]
            healthy = [
                t
                for t in mine
                if t.task_definition_arn == spec.task_definition_arn and self._healthy(t)
            ]
            if len(healthy) != spec.desired_count or len(mine) != spec.desired_count:
                return False
        return True

    def _explain_unsteady(self, timeout: float) -> str:
        lines = [f"ecs agent: services not steady after {timeout:.0f}s"]
        report = self.health()["services"]
        with self._lock:
            tasks = list(self._tasks)
        for name, service in report.items():
            lines.append(
                f"  {name}: desired {service['desired']}, running {service['running']}, "
                f"healthy in the ALB {service['healthy']}"
                + (f" ({service['problem']})" if service["problem"] else "")
            )
            mine = [t for t in tasks if t.service == name]
            failed = [t for t in mine if t.state is TaskState.STOPPED] or [
                t for t in mine if not self._healthy(t)
            ]
            if failed:
                task = failed[-1]
                alb = self._alb_state(task)
                lines.append(
                    f"  task {task.id} {task.state}"
                    + (f": {task.stopped_reason}" if task.stopped_reason else "")
                    + (f"; ALB: {alb}" if alb else "")
                    + f"; log {task.process.log_path}, last lines:"
                )
                lines.extend("    " + line for line in task.process.log_tail().splitlines())
        return "\n".join(lines)

    def _describe(self, task: Task) -> dict:
        return {
            "id": task.id,
            "pid": task.process.pid,
            "host": task.process.host,
            "port": task.process.port,
            "state": str(task.state),
            "alb_state": self._alb_state(task),
            "task_definition": task.task_definition_arn,
            "started_at": task.started_at,
            "stopped_at": task.stopped_at,
            "stopped_reason": task.stopped_reason,
            "exit_code": task.exit_code,
            "log": str(task.process.log_path),
        }
