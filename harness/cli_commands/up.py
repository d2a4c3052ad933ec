"""`harness up`: the stack in the foreground until Ctrl-C, or detached in a child process that
this one waits for until its state file appears."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

from harness.cli_commands import up_data
from harness.errors import HarnessError
from harness.lifecycle import registry
from harness.lifecycle.run_dir import RunDir, already_running
from harness.lifecycle.status_view import summary
from harness.plumbing.freed_memory import give_back
from harness.plumbing.waiting import WaitTimedOut, wait_until
from harness.settings import Settings

DETACH_TIMEOUT = 120.0
# glibc gives each thread that allocates its own malloc arena, up to 8 per core; the stack's
# many threads (emulator requests, servers, pollers) then hold ~18 MiB more for nothing. Only
# the harness process gets this: the API tasks' environment stays their task definition's.
MALLOC_ARENAS = {"MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}


def _progress(step: str, seconds: float | None) -> None:
    if seconds is None:
        print(f"… {step}", file=sys.stderr, flush=True)
    else:
        print(f"✓ {step} ({seconds:.2f}s)", file=sys.stderr, flush=True)


def _configure_logging(run_dir: RunDir) -> None:
    handler = logging.FileHandler(run_dir.logs / "harness.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # One line per health check and origin fetch would drown what the harness itself says.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def up_foreground(settings: Settings, args: argparse.Namespace) -> int:
    gc.disable()  # no collection over what the imports load; Stack.start freezes it (#14)
    from harness.lifecycle.stack import Stack

    gc.enable()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())

    run_dir = RunDir(settings.run_dir, settings.name_of("run_dir")).prepare()
    _configure_logging(run_dir)
    stack = Stack(settings, progress=_progress)
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    give_back()  # what starting freed (#14: the stack's RSS)
    try:
        doc = {**stack.describe(), **up_data.after_start(stack, args)}
        stack.run_dir.write_state(doc)
        registry.register(doc)
        print(summary(doc) + up_data.seed_lines(doc), flush=True)
        print(
            f"\nready in {stack.timings['total']:.2f}s. In another shell:\n"
            f"{_next_steps(run_dir)}\nCtrl-C stops the stack.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.1):
            pass
        print("stopping…", file=sys.stderr, flush=True)
    finally:
        registry.unregister(os.getpid())
        up_data.before_stop(stack, args)
        stack.run_dir.clear_state()
        stack.stop()
    return 0


def _self_command() -> str:
    """How to run this harness again from any directory, as a shell would need it typed."""
    script = Path(sys.executable).parent / "harness"
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m harness"


def _next_steps(run_dir: RunDir) -> str:
    harness, where = _self_command(), shlex.quote(str(run_dir.path))
    return (
        f'  eval "$({harness} env --run-dir {where})"   # AWS variables, ids (UserPoolId, ...)\n'
        f"  {harness} status --run-dir {where}\n"
        f"  {harness} logs -f --run-dir {where}"
    )


def up_detached(settings: Settings, argv: list[str]) -> int:
    run_dir = RunDir(settings.run_dir, settings.name_of("run_dir")).prepare()
    if run_dir.is_locked():
        state = run_dir.read_state() or {}
        raise already_running(run_dir.path, state.get("pid", "unknown"))
    run_dir.clear_state()
    child_args = [a for a in argv if a != "--detach"]
    if "--run-dir" not in child_args:
        child_args += ["--run-dir", str(run_dir.path)]
    log_path = run_dir.logs / "up.log"
    with open(log_path, "wb") as log_file:
        child = subprocess.Popen(
            [sys.executable, "-m", "harness", *child_args],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **MALLOC_ARENAS},
        )

    def started() -> dict | None:
        state = run_dir.read_state()
        if state and state.get("pid") == child.pid:
            return state
        if child.poll() is not None:
            raise HarnessError(_failure_line(log_path, child.returncode))
        return None

    try:
        state = wait_until(
            started,
            what=f"the stack (see {log_path})",
            timeout=DETACH_TIMEOUT,
            logs=lambda: log_path.read_text(errors="replace"),
        )
    except WaitTimedOut:
        child.terminate()
        raise
    print(summary(state) + up_data.seed_lines(state))
    print(
        f"\nstack running in the background (pid {child.pid}). Next:\n"
        f"{_next_steps(run_dir)}\n"
        f"  {_self_command()} down --run-dir {shlex.quote(str(run_dir.path))}",
        file=sys.stderr,
    )
    return 0


def _failure_line(log_path: Path, code: int) -> str:
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit status {code}"
    return last.removeprefix("harness: ")
