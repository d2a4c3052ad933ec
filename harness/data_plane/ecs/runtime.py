"""How the ECS agent runs a task: as a host process or as a container of the task's image.

Both runtimes take a TaskLaunch (what the task definition asks for, plus where the task
listens) and return a RunningTask with the same small surface, so the agent's lifecycle code
does not know which one runs.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

RUNTIMES = ("process", "container")


def port_open(host: str, port: int) -> bool:
    """Whether a task's port accepts a TCP connection now (its process or container alike)."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class HealthCheck:
    """A container definition's healthCheck, with ECS's defaults."""

    command: tuple[str, ...]
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 0

    @classmethod
    def from_definition(cls, raw: Mapping | None) -> HealthCheck | None:
        if not raw or not raw.get("command"):
            return None
        return cls(
            command=tuple(raw["command"]),
            interval=int(raw.get("interval", 30)),
            timeout=int(raw.get("timeout", 5)),
            retries=int(raw.get("retries", 3)),
            start_period=int(raw.get("startPeriod", 0)),
        )


@dataclass(frozen=True)
class TaskLaunch:
    task_id: str
    service: str
    image: str
    environment: Mapping[str, str]  # the task's own: definition, endpoints, TASK_ID/HOST/PORT
    host: str
    port: int
    log_path: Path
    cpu_units: int | None = None  # 1024 = one vCPU
    memory_mib: int | None = None
    health_check: HealthCheck | None = None
    stop_timeout: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


class RunningTask(Protocol):
    host: str
    port: int
    log_path: Path

    @property
    def pid(self) -> int | None: ...  # the main process, as the host sees it

    @property
    def container(self) -> str | None: ...  # the container's short id, if it is one

    def start(self) -> RunningTask: ...

    def exit_code(self) -> int | None: ...

    def accepts_connections(self) -> bool: ...

    def terminate(self) -> None: ...

    def kill_if_slow(self, grace: float) -> bool: ...

    def kill(self) -> None: ...

    def stop(self, grace: float = 5.0) -> int | None: ...

    def log_tail(self, lines: int = 20) -> str: ...


class TaskRuntime(Protocol):
    name: str
    why: str  # one line: why this runtime runs (for status)

    def launch(self, launch: TaskLaunch) -> RunningTask: ...

    def close(self) -> None: ...
