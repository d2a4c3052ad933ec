"""`harness up`: the stack in the foreground until Ctrl-C, or detached in a child process that
this one waits for until its state file appears."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from pathlib import Path

from harness.errors import HarnessError
from harness.lifecycle.run_dir import RunDir
from harness.lifecycle.status_view import summary
from harness.plumbing.waiting import WaitTimedOut, wait_until
from harness.settings import Settings

DETACH_TIMEOUT = 120.0


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


def up_foreground(settings: Settings) -> int:
    from harness.lifecycle.stack import Stack

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())

    run_dir = RunDir(settings.run_dir).prepare()
    _configure_logging(run_dir)
    stack = Stack(settings, progress=_progress)
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    try:
        doc = stack.describe()
        stack.run_dir.write_state(doc)
        print(summary(doc), flush=True)
        print(
            f"\nready in {stack.timings['total']:.2f}s. `harness env --run-dir {run_dir.path}` "
            "prints the AWS variables; Ctrl-C stops the stack.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.1):
            pass
        print("stopping…", file=sys.stderr, flush=True)
    finally:
        stack.run_dir.clear_state()
        stack.stop()
    return 0


def up_detached(settings: Settings, argv: list[str]) -> int:
    run_dir = RunDir(settings.run_dir).prepare()
    if run_dir.is_locked():
        state = run_dir.read_state() or {}
        raise HarnessError(
            f"a stack is already running in {run_dir.path} (pid {state.get('pid', 'unknown')})"
        )
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
    print(summary(state))
    print(
        f"\nstack running in the background (pid {child.pid}); stop it with "
        f"`harness down --run-dir {run_dir.path}`",
        file=sys.stderr,
    )
    return 0


def _failure_line(log_path: Path, code: int) -> str:
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit status {code}"
    return last.removeprefix("harness: ")
