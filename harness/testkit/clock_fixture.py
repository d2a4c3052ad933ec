"""The `clock` fixture: `clock.advance("2h")` moves the stack clock, returns once every API task
answers on the new time, and the offset is put back after the test."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from harness.clock import CLOCK_FILE, parse_duration
from harness.clock.stack_clock import read_offset_file, write_offset_file
from harness.control_plane.backends.readiness import NotReady, wait_until_ready
from harness.errors import HarnessError

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

    def advance(self, duration: str | float) -> float:
        """Forward by `181d`/`2h`/`30m` (or seconds); the new offset."""
        seconds = parse_duration(duration) if isinstance(duration, str) else float(duration)
        return self.set_offset(self.offset + seconds)

    def set_offset(self, seconds: float) -> float:
        write_offset_file(self.path, seconds)
        self.wait_tasks_follow()
        return seconds

    def restore(self) -> None:
        if self.offset != self.initial:
            self.set_offset(self.initial)

    def wait_tasks_follow(self, timeout: float = FOLLOW_TIMEOUT) -> None:
        """Until every running API task's Date header is on the stack clock."""
        tasks = self._task_addresses()
        if not tasks:
            return

        def check() -> None:
            expected = self.now()
            for host, port in tasks:
                answer = httpx.get(f"http://{host}:{port}/api/health", timeout=5, trust_env=False)
                seen = email.utils.parsedate_to_datetime(answer.headers["date"]).timestamp()
                if abs(seen - expected) > DATE_SLACK:
                    raise NotReady(f"task {host}:{port} says {answer.headers['date']}")

        wait_until_ready(
            check,
            what="the API tasks following the stack clock",
            timeout=timeout,
            transient=(NotReady, httpx.HTTPError),
        )

    def _task_addresses(self) -> list[tuple[str, int]]:
        agent = (self.stack.describe().get("components") or {}).get("ecs_agent") or {}
        return [
            (task["host"], task["port"])
            for service in (agent.get("services") or {}).values()
            for task in service.get("tasks", [])
            if task.get("state") == "RUNNING"
        ]


@pytest.fixture
def clock(stack):
    """The stack clock; whatever a test advances is undone after it."""
    if not (stack.describe().get("clock") or {}).get("file"):
        raise HarnessError("this stack has no stack clock (a deployment on AWS runs on AWS's)")
    control = StackClockControl(stack)
    yield control
    control.restore()
