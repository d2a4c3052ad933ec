"""Where the pytest plugin's session writes and which stack it starts: per worker, per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.settings import Settings
from harness.testkit.plugin_options import given, typed

RESULTS_DIR = pytest.StashKey[Path]()
RUN_ID_KEY = "animehub_run_id"
KEEP_RUNS = 10
STACK_SUMMARY = "stack.json"
PLAYWRIGHT_DEFAULT_OUTPUT = "test-results"


def worker_id(config: pytest.Config) -> str:
    # From the worker's own input, not PYTEST_XDIST_WORKER: a pytest started inside a worker
    # (pytester) inherits that variable without being a worker.
    return getattr(config, "workerinput", {}).get("workerid", "main")


def results_dir(config: pytest.Config) -> Path:
    return config.stash[RESULTS_DIR]


def worker_dir(config: pytest.Config) -> Path:
    return results_dir(config) / worker_id(config)


def stack_state_setting(config: pytest.Config) -> str:
    """The flag or variable that named the stack to attach to, for its errors."""
    return typed(config, "stack_state", "ANIMEHUB_STACK_STATE")


def stack_state_option(config: pytest.Config) -> str | None:
    return given(config, "stack_state") or os.environ.get("ANIMEHUB_STACK_STATE") or None


def stack_settings(config: pytest.Config) -> Settings:
    overrides = {
        "run_dir": worker_dir(config) / "run",
        "backend": given(config, "backend"),
        "tasks": given(config, "tasks"),
    }
    if worker_id(config) != "main":
        # Fixed ports cannot serve one stack per worker.
        overrides |= dict.fromkeys(
            ("edge_port", "edge_https_port", "alb_port", "emulator_port", "push_sink_port"), 0
        )
    flags = {s: typed(config, s, "--animehub-" + s) for s in ("backend", "tasks")}
    return Settings.from_env(flags=flags, **overrides)
