"""The harness's one settings object, filled from the environment and then from CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from harness.errors import ConfigError

BACKENDS = ("embedded", "endpoint", "containers", "aws")
TASK_RUNTIMES = ("auto", "process", "container")
TASK_STARTS = ("fork", "exec")
DEFAULT_REGION = "us-east-1"
PREFIX = "ANIMEHUB_"


def flag_name(setting: str) -> str:
    """`edge_port` -> `--edge-port`, the `harness up` flag of a setting."""
    return "--" + setting.replace("_", "-")


def variable_name(setting: str) -> str:
    return PREFIX + setting.upper()


def default_run_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "animehub" / "default"


def _port(name: str, raw: str | int) -> int:
    try:
        port = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            name, f"{raw!r} is not a port number (0-65535, 0 = a free port)"
        ) from None
    if not 0 <= port <= 65535:
        raise ConfigError(name, f"{port} is not a port number (0-65535, 0 = a free port)")
    return port


def _tasks(name: str, raw: str | int) -> int:
    try:
        count = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(name, f"{raw!r} is not a whole number of tasks (1-10)") from None
    if not 1 <= count <= 10:
        raise ConfigError(name, f"{count} tasks is outside the allowed 1-10")
    return count


def _backend(name: str, raw: str) -> str:
    if raw not in BACKENDS:
        raise ConfigError(name, f"unknown backend {raw!r}; choose one of {', '.join(BACKENDS)}")
    return raw


def _task_runtime(name: str, raw: str) -> str:
    if raw not in TASK_RUNTIMES:
        raise ConfigError(
            name, f"unknown task runtime {raw!r}; choose one of {', '.join(TASK_RUNTIMES)}"
        )
    return raw


def _task_start(name: str, raw: str) -> str:
    if raw not in TASK_STARTS:
        raise ConfigError(
            name,
            f"unknown way to start a process task {raw!r}; choose one of {', '.join(TASK_STARTS)}",
        )
    return raw


def _region(name: str, raw: str) -> str:
    parts = raw.split("-")
    if len(parts) < 3 or not parts[-1].isdigit() or not all(p.isalpha() for p in parts[:-1]):
        raise ConfigError(name, f"{raw!r} is not an AWS region name (like us-east-1)")
    return raw


def _parse(parsers: dict, name: str, source: str, raw):
    parse = parsers.get(name)
    return parse(source, raw) if parse and isinstance(raw, str) else raw


def _file(name: str, raw: str | Path) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ConfigError(name, f"{str(raw)!r} is not an existing file")
    return path


@dataclass(frozen=True)
class Settings:
    backend: str = "embedded"
    region: str = DEFAULT_REGION
    run_dir: Path = field(default_factory=default_run_dir)
    tasks: int = 2
    edge_port: int = 0
    edge_https_port: int = 0
    alb_port: int = 0
    emulator_port: int = 0
    push_sink_port: int = 0
    # For the endpoint backend: one base URL, or "service=url,service=url".
    endpoint_url: str | None = None
    endpoint_urls: str | None = None
    # ... or a small YAML file: "default: URL" and "service: URL" lines.
    endpoint_file: Path | None = None
    # For the aws backend: a CloudFormation stack that describes a real deployment.
    aws_stack_name: str | None = None
    # How the ECS agent runs tasks: auto = containers where an engine and the image are there.
    task_runtime: str = "auto"
    # How a process task starts: forked from a pre-imported parent where that is faithful, or
    # each one spawned as a new interpreter (task_parent.py).
    task_start: str = "fork"
    # For the containers backend: images standing in for LocalStack and DynamoDB Local.
    localstack_image: str | None = None
    dynamodb_image: str | None = None
    # Where each value came from: the flag or variable the user typed, for error messages.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def name_of(self, setting: str) -> str:
        """What the user typed for `setting` (`--edge-port`, `ANIMEHUB_EDGE_PORT`), or its flag."""
        return self.sources.get(setting) or flag_name(setting)

    def __post_init__(self) -> None:
        _backend("backend", self.backend)
        _task_runtime("task_runtime", self.task_runtime)
        _task_start("task_start", self.task_start)
        _region("region", self.region)
        _tasks("tasks", self.tasks)
        for name in ("edge_port", "edge_https_port", "alb_port", "emulator_port", "push_sink_port"):
            _port(name, getattr(self, name))
        if self.endpoint_file is not None:
            _file("endpoint_file", self.endpoint_file)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        flags: Mapping[str, str] | None = None,
        **overrides,
    ) -> Settings:
        """Read ANIMEHUB_* variables when called, then apply non-None overrides (CLI flags).
        `flags` names an override as its user typed it (default: the `harness up` flag)."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        sources: dict[str, str] = {}
        parsers = {
            "backend": _backend,
            "task_runtime": _task_runtime,
            "task_start": _task_start,
            "region": _region,
            "tasks": _tasks,
            "edge_port": _port,
            "edge_https_port": _port,
            "alb_port": _port,
            "emulator_port": _port,
            "push_sink_port": _port,
            "endpoint_file": _file,
        }
        for f in fields(cls):
            var = variable_name(f.name)
            if f.name != "sources" and environ.get(var, "") != "":
                values[f.name] = _parse(parsers, f.name, var, environ[var])
                sources[f.name] = var
        for name, raw in overrides.items():
            if raw is not None:
                typed = (flags or {}).get(name) or flag_name(name)
                values[name] = _parse(parsers, name, typed, raw)
                sources[name] = typed
        if "run_dir" in values:
            values["run_dir"] = Path(values["run_dir"]).expanduser()
        return cls(**values, sources=sources)
