"""The `clock` fixture: `clock.advance("2h")` moves the stack clock, returns once every API task
answers on the new time, and the offset is put back after the test.

Putting it back moves time backwards, which AWS never does: libfaketime moves the tasks'
monotonic clock with it, and their event loops would then wait out the skipped hours before any
timer fires. So after a step back the tasks are replaced (killed; the ECS agent starts new ones
on the restored clock), as a fresh stack would have them. That costs a task start, so a module
whose tests all move the clock may put it back once (`stack_clock_per_module`), and a test that
only needs the data plane's intervals to pass (a health-check interval, a stop timeout) uses
`data_plane_clock`, which moves nothing the tasks see and so puts nothing back."""

from __future__ import annotations

import contextlib
import email.utils
import os
import signal
import time

import httpx
import pytest

from harness.clock import CLOCK_FILE, parse_duration
from harness.clock import clock as stack_clock
from harness.clock.stack_clock import read_offset_file, write_offset_file
from harness.errors import HarnessError
from harness.plumbing.public_roots import public_roots
from harness.plumbing.waiting import NotYet, wait_until

# A task's Date header is whole seconds and uvicorn refreshes it once a second.
DATE_SLACK = 3.0
FOLLOW_TIMEOUT = 30.0


class StackClockControl:
    def __init__(self, stack) -> None:
        self.stack = stack
        self.path = stack.run_dir.path / CLOCK_FILE
        self.initial = read_offset_file(self.path)

    @property
    def offset(self) -> float:
        return read_offset_file(self.path)

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, duration: str | float, *, tasks_follow: bool = True) -> float:
        """Forward by `181d`/`2h`/`30m` (or seconds); the new offset. With `tasks_follow=False`
        it returns once the offset is written, for a test that reads nothing of the tasks'
        time: they still follow within a second, and meanwhile the ALB keeps no connection to
        them (plumbing/keep_alive_client.py, TASKS_FOLLOW)."""
        seconds = parse_duration(duration) if isinstance(duration, str) else float(duration)
        return self.set_offset(self.offset + seconds, tasks_follow=tasks_follow)

    def set_offset(self, seconds: float, *, tasks_follow: bool = True) -> float:
        backwards = seconds < self.offset
        write_offset_file(self.path, seconds)
        if backwards:
            self._replace_tasks()
        if backwards or tasks_follow:
            self.wait_tasks_follow()
        return seconds

    def restore(self) -> None:
        if self.offset != self.initial:
            self.set_offset(self.initial)

    def wait_tasks_follow(self, timeout: float = FOLLOW_TIMEOUT) -> None:
        """Until every running API task's Date header is on the stack clock. The tasks are
        read at each try: one the service stops meanwhile (a scale-in) need not follow."""

        # One client for the whole wait: a client of its own per request cost 40 ms of CPU
        # (its TLS context), several times a second for each task.
        with httpx.Client(timeout=5, trust_env=False, verify=public_roots()) as client:

            def check() -> bool:
                expected = self.now()
                for host, port in self._task_addresses():
                    answer = client.get(f"http://{host}:{port}/api/health")
                    seen = email.utils.parsedate_to_datetime(answer.headers["date"]).timestamp()
                    if abs(seen - expected) > DATE_SLACK:
                        raise NotYet(f"task {host}:{port} says {answer.headers['date']}")
                return True

            wait_until(
                check,
                what="the API tasks following the stack clock",
                timeout=timeout,
                transient=(NotYet, httpx.HTTPError),
            )

    def _services(self) -> list[dict]:
        if self.stack.agent is not None:  # in this process: its report alone, not the status
            agent = self.stack.agent.health()  # document (which asks the edge's process too)
        else:
            agent = (self.stack.describe().get("components") or {}).get("ecs_agent") or {}
        return list((agent.get("services") or {}).values())

    def _running(self) -> list[dict]:
        return [
            task
            for service in self._services()
            for task in service.get("tasks", [])
            if task.get("state") == "RUNNING"
        ]

    def _task_addresses(self) -> list[tuple[str, int]]:
        return [(task["host"], task["port"]) for task in self._running()]

    def _replace_tasks(self, timeout: float = 90.0) -> None:
        killed = {task["pid"] for task in self._running() if task.get("pid")}
        for pid in killed:
            # The task's main process, as the host sees it (a container's too): the agent
            # clears what is left of a process task's group, the engine a container's.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

        def replaced() -> bool:
            for service in self._services():
                fresh = [
                    t
                    for t in service.get("tasks", [])
                    if t.get("state") == "RUNNING"
                    and t.get("pid") not in killed
                    and t.get("alb_state") in (None, "healthy")
                ]
                if len(fresh) < (service.get("desired") or 0):
                    raise NotYet(f"{len(fresh)} of {service.get('desired')} tasks replaced")
            return True

        wait_until(
            replaced, what="the API tasks replaced after the clock went back", timeout=timeout
        )


def _control(stack) -> StackClockControl:
    status = stack.describe()
    if not (status.get("clock") or {}).get("file"):
        raise HarnessError("this stack has no stack clock (a deployment on AWS runs on AWS's)")
    if status.get("backend") != "embedded":
        # Only the in-process emulator is put on the stack clock (clock/emulator_time.py).
        pytest.skip(f"the {status.get('backend')} backend's emulator runs on real time")
    return StackClockControl(stack)


PER_MODULE = "stack_clock_per_module"
PER_MODULE_HELP = (
    f"{PER_MODULE}: the module's tests share one stack clock, put back once after the last of "
    "them (each putting-back replaces the API tasks); their advances add up, so they read "
    "times relative to the clock, never its absolute offset"
)


@pytest.fixture
def clock(request, stack):
    """The stack clock; whatever a test advances is undone after it (after its module, in a
    module marked `stack_clock_per_module`)."""
    if request.node.get_closest_marker(PER_MODULE) is not None:
        yield request.getfixturevalue("_module_clock")
        return
    control = _control(stack)
    yield control
    control.restore()


@pytest.fixture(scope="module")
def _module_clock(stack):
    control = _control(stack)
    yield control
    control.restore()


class DataPlaneClock:
    """`advance(seconds)` passes intervals the harness's data plane counts on the stack clock
    (health-check intervals, deregistration delay, stop timeout, grace periods) at once: it
    moves `clock.monotonic()` of this process alone (StackClock.skip). Wall time, the tasks
    and the emulator stay where they are, so nothing is put back and no task is replaced.
    On a stack whose data plane runs in another process (attached) it does nothing: the
    intervals then pass in real time."""

    def __init__(self, in_this_process: bool) -> None:
        self.in_this_process = in_this_process

    def advance(self, seconds: float) -> None:
        if self.in_this_process:
            stack_clock.skip(seconds)


@pytest.fixture
def data_plane_clock(stack):
    """The data plane's interval clock (DataPlaneClock), on every backend."""
    return DataPlaneClock(in_this_process=getattr(stack, "agent", None) is not None)
