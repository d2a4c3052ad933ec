"""Stopping a task on purpose (SIGTERM, or SIGKILL as a crash would), from the stack's status
document, so the shell and a test do it the same way."""

from __future__ import annotations

import os
import signal

from harness.errors import ConfigError, HarnessError

# SIGSTOP hangs a task for real: alive, its connections open, answering nothing.
SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL, "SIGSTOP": signal.SIGSTOP}


def running_tasks(status: dict) -> list[dict]:
    services = ((status.get("components") or {}).get("ecs_agent") or {}).get("services") or {}
    return [t for s in services.values() for t in s.get("tasks", []) if t.get("state") == "RUNNING"]


def stop_task(status: dict, signal_name: str = "SIGTERM", task_id: str | None = None) -> dict:
    """Signals one running task (the first, or the one whose id starts with `task_id`);
    returns the task as the status described it."""
    if signal_name not in SIGNALS:
        raise ConfigError("--signal", f"{signal_name!r} is not one of {', '.join(SIGNALS)}")
    tasks = running_tasks(status)
    chosen = [t for t in tasks if task_id is None or t["id"].startswith(task_id)]
    if not chosen:
        which = f"with an id starting {task_id!r}" if task_id else "at all"
        raise HarnessError(f"no running task {which} (running: {[t['id'] for t in tasks]})")
    task = chosen[0]
    os.kill(task["pid"], SIGNALS[signal_name])
    return task
