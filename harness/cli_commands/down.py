"""`harness down`: stop a detached stack, found by its run directory or, when that directory
was deleted while the stack ran, by the per-user registry."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from harness.cli_commands.common import run_dir_of
from harness.errors import HarnessError
from harness.faults.store import FaultStore
from harness.lifecycle import registry
from harness.lifecycle.run_dir import RunDir
from harness.plumbing.processes import pid_alive
from harness.plumbing.waiting import WaitTimedOut, wait_until


def add_to(commands, run_dir_flag) -> None:
    parser = commands.add_parser("down", help="stop a detached stack")
    run_dir_flag(parser)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default 30)")
    parser.set_defaults(run=run)


def _lock_holder(run_dir: RunDir) -> int | None:
    try:
        return int((run_dir.path / "stack.lock").read_text().strip())
    except (OSError, ValueError):
        return None


def run(args: argparse.Namespace) -> int:
    run_dir = run_dir_of(args)
    FaultStore(run_dir.path).clear()  # faults end with the stack, however it ends
    state = run_dir.read_state()
    if not run_dir.is_locked():
        run_dir.clear_state()
        orphan = registry.find(run_dir.path)
        if orphan is None:
            print(f"no stack is running in {run_dir.path}", file=sys.stderr)
            return 0
        # Its run directory was deleted (or emptied) while it ran: the registry still knows it.
        state = orphan
    pid = (state or {}).get("pid") or _lock_holder(run_dir)
    if pid is None:
        raise HarnessError(f"a stack holds {run_dir.path} but its pid is unknown")
    os.kill(pid, signal.SIGTERM)

    try:
        wait_until(lambda: not pid_alive(pid), what=f"pid {pid} to exit", timeout=args.timeout)
    except WaitTimedOut:
        os.killpg(pid, signal.SIGKILL)
        raise HarnessError(
            f"the stack (pid {pid}) did not stop in {args.timeout:.0f}s; killed it"
        ) from None
    print(f"stopped the stack in {run_dir.path}", file=sys.stderr)
    return 0
