"""The ECS data plane's running part: keeps each service's desired tasks running as local
processes or containers (the runtime, `runtime.py`; the loop is in `app.py`), with
start/stop/health, a wait until the services are steady, and what the API front asks (its
tasks, StopTask, a forced deployment).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.control_plane.endpoints import endpoint_variable
from harness.data_plane.ecs import task_lifecycle as lifecycle
from harness.data_plane.ecs.app import Task, TaskLoop
from harness.data_plane.ecs.awslogs import AwsLogsDriver
from harness.data_plane.ecs.config import ControlPlane, ServiceSpec
from harness.data_plane.ecs.deployments import ServiceDeployments
from harness.data_plane.ecs.iam_gate import GATED_SERVICES, IamGate
from harness.data_plane.ecs.process_runtime import ProcessRuntime
from harness.data_plane.ecs.runtime import TaskRuntime
from harness.data_plane.ecs.task_endpoints import TaskEndpoints
from harness.data_plane.ecs.task_lifecycle import StopCode, TaskState
from harness.data_plane.ecs.task_process import LoopbackAddresses, task_visible
from harness.errors import HarnessError
from harness.plumbing.waiting import WaitTimedOut, wait_until

log = logging.getLogger("harness.data_plane.ecs.agent")


class EcsAgent(TaskLoop):
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
        self._task_endpoints = TaskEndpoints(endpoints)
        self._iam_gate = IamGate(endpoints, self._task_endpoints.role_of_key)
        self._endpoint_env = task_visible(endpoints.env())
        self._control_plane = ControlPlane(endpoints, cluster)
        self._awslogs = AwsLogsDriver(endpoints)
        self._addresses = LoopbackAddresses()
        self._lock = threading.Lock()
        self._services: dict[str, ServiceSpec] = {}
        self._tasks: list[Task] = []
        self._failures: dict[str, int] = {}  # tasks in a row that never became healthy
        self._next_start: dict[str, float] = {}
        self._problems: dict[str, str] = {}
        self.deployments = ServiceDeployments()
        self._requests: queue.SimpleQueue = queue.SimpleQueue()  # stop-task asks from the API
        self._stop = threading.Event()
        self._poll_requested = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ecs-agent", daemon=True)

    def poll_now(self) -> None:
        """Read the services at the next tick rather than at the next poll (the API front
        calls this after a write to ECS, such as UpdateService)."""
        self._poll_requested.set()

    gated_services = GATED_SERVICES  # the services whose calls the IAM gate checks

    async def iam_refusal(self, headers, body: bytes):
        """The IAM gate's answer to a task's call its role may not make, or None (a proxy in
        front of the tasks calls this in-process instead of forwarding to the gate)."""
        return await self._iam_gate.refusal(headers, body)

    @property
    def url(self) -> None:
        """The agent serves nothing itself: its tasks do, behind the ALB."""
        return None

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
        self._task_endpoints.start()
        self._iam_gate.start()
        # The services whose IAM the gate checks are reached through it (iam_gate.py).
        for service in GATED_SERVICES:
            self._endpoint_env[endpoint_variable(service)] = self._iam_gate.url
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
            task.exit_code = lifecycle.container_exit_code(task.process.stop(task.stop_timeout))
            self._deregister(task)
            self._finish(task, "Harness stopped")
        self._awslogs.stop()
        self._task_endpoints.stop()
        self._iam_gate.stop()
        self.runtime.close()

    def kill_task(self, task_id: str) -> None:
        """SIGKILL to a task's process or container, as a crash would (a fault to test)."""
        with self._lock:
            task = next(t for t in self._tasks if t.id == task_id)
        task.process.kill()

    def wait_steady(self, timeout: float) -> None:
        # Read the services now, so that a change the caller just made counts (read your writes).
        services = self._control_plane.describe_services(self.service_names)
        with self._lock:
            self._services = services

        def steady() -> bool:
            if self._steady():
                return True
            if not self._thread.is_alive():
                raise HarnessError("ecs agent: not running")
            return False

        try:
            wait_until(steady, what="the ECS services to be steady", timeout=timeout)
        except WaitTimedOut:
            raise HarnessError(self._explain_unsteady(timeout)) from None

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
                "pid": getattr(self.runtime, "pid", None),  # the task parent (task_parent.py)
            },
            "services": report,
        }

    # -- what the ECS API front asks --------------------------------------------------------

    def tasks(self) -> list[Task]:
        with self._lock:
            return list(self._tasks)

    def service(self, name: str) -> ServiceSpec | None:
        with self._lock:
            return self._services.get(name)

    def stop_task(self, task_id: str, reason: str | None) -> Task | None:
        """StopTask: desiredStatus STOPPED at once; the loop drains and stops the task."""
        with self._lock:
            task = next((t for t in self._tasks if t.id == task_id), None)
            if task is None:
                return None
            if task.live and task.desired_status == "RUNNING":
                task.desired_status = "STOPPED"
                task.stop_code = StopCode.USER_INITIATED
                task.stopped_reason = reason or lifecycle.USER_STOPPED
                self._requests.put(task)
            return task

    def force_new_deployment(self, service: str) -> None:
        self.deployments.force_new(service)

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
            primary = self.deployments.primary(name, spec.task_definition_arn, spec.desired_count)
            healthy = [t for t in mine if t.deployment_id == primary.id and self._healthy(t)]
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
                    + (f" (exit code {task.exit_code})" if task.exit_code is not None else "")
                    + (f"; ALB: {alb}" if alb else "")
                    + f"; log {task.process.log_path}, last lines:"
                )
                lines.extend("    " + line for line in task.process.log_tail().splitlines())
        return "\n".join(lines)

    def _describe(self, task: Task) -> dict:
        return {
            "id": task.id,
            "pid": task.process.pid,
            "container": task.process.container,
            "host": task.process.host,
            "port": task.process.port,
            "state": str(task.state),
            "desired_status": task.desired_status,
            "deployment": task.deployment_id,
            "alb_state": self._alb_state(task),
            "task_definition": task.task_definition_arn,
            "started_at": task.started_at,
            "stopped_at": task.stopped_at,
            "stopped_reason": task.stopped_reason,
            "stop_code": task.stop_code,
            "stop_timeout": task.stop_timeout,
            "exit_code": task.exit_code,
            "log": str(task.process.log_path),
        }
