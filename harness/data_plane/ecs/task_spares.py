"""Spare task interpreters (#14): a `python -m MODULE` task's interpreter started, and its
module's imports done, while the stack is still starting; a launch then hands one its task.

A spare becomes the task itself, not a parent of it: the same process (its pid, its own
session, the harness as its parent) runs `MODULE` as `__main__` exactly as `python -m MODULE`
would, with the task's whole environment and its log as stdout and stderr. Only what the
interpreter reads as it starts (the variables below) was fixed before the launch, so a spare
is handed only a launch that agrees with it on those; any other launch spawns afresh.
"""

from __future__ import annotations

import json
import logging
import queue
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

# Read when an interpreter starts (or a module imports, as botocore's BOTO_DISABLE_CRT), so a
# spare must have been started with the launch's own values. Everything else is read later.
_AT_START = ("PYTHON", "LD_", "MALLOC_", "FAKETIME", "LC_", "LANG", "TZ", "HOME", "BOTO_")

# What the spare runs: `-c` puts "" first on sys.path where `-m` puts the working directory.
# Ahead of the launch it imports what MODULE's __main__ imports at its top (never __main__
# itself: its body is the task); an import that fails is left to fail in the task, into its log.
_SPARE = r"""
import ast, importlib, importlib.util, json, os, runpy, sys
module = sys.argv[1]
sys.argv, sys.path[0] = sys.argv[:1], os.getcwd()
try:
    main = importlib.util.find_spec(module + ".__main__")
    for node in ast.parse(main.loader.get_source(main.name)).body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:
                pass
except Exception:
    pass
line = sys.stdin.buffer.readline()
if not line:
    sys.exit(0)
launch = json.loads(line)
log = os.open(launch["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
null = os.open(os.devnull, os.O_RDONLY)
os.dup2(null, 0), os.dup2(log, 1), os.dup2(log, 2), os.close(null), os.close(log)
for name in launch["unset"]:
    os.environ.pop(name, None)
os.environ.update(launch["env"])
del ast, importlib, json, line, launch, log, null
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def python_module(argv: Sequence[str], python: str) -> str | None:
    """MODULE when `argv` is `python -m MODULE` run by `python`; else None (no spare)."""
    if len(argv) == 3 and argv[0] == python and argv[1] == "-m":
        return argv[2]
    return None


def agrees(spare_env: Mapping[str, str], env: Mapping[str, str]) -> bool:
    """Whether a launch's environment matches a spare's on what the interpreter read at start."""
    names = {n for n in (*spare_env, *env) if n.startswith(_AT_START)}
    return all(spare_env.get(n) == env.get(n) for n in names)


class TaskSpares:
    """Spares for `python -m MODULE` commands. They are spawned from one long-lived thread of
    their own: a task's parent-death signal (task_process._die_with_parent) fires when the
    thread that spawned it exits, so that thread lives until `close`."""

    def __init__(self, preexec: Callable[[], None] | None) -> None:
        self._preexec = preexec
        self._lock = threading.Lock()
        self._spares: list[tuple[tuple[str, ...], dict[str, str], subprocess.Popen]] = []
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def prepare(self, argv: Sequence[str], env: Mapping[str, str], count: int) -> None:
        """Start `count` spares for `argv` (a `python -m MODULE` command) in `env`."""
        with self._lock:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._spawn_loop, name="task-spares")
                self._thread.daemon = True
                self._thread.start()
        for _ in range(count):
            self._jobs.put((tuple(argv), dict(env)))

    def waiting(self) -> int:
        """How many spares wait for a launch now."""
        with self._lock:
            return sum(process.poll() is None for _, _, process in self._spares)

    def take(self, argv: Sequence[str], env: Mapping[str, str], log_path: Path):
        """A spare now running the task (its Popen), or None: spawn the task afresh."""
        with self._lock:
            for index, (spare_argv, spare_env, process) in enumerate(self._spares):
                if spare_argv == tuple(argv) and agrees(spare_env, env) and process.poll() is None:
                    del self._spares[index]
                    break
            else:
                return None
        # What the interpreter added as it started (PEP 538's LC_CTYPE) stays, as in a task
        # spawned afresh with the same start variables.
        unset = sorted(set(spare_env) - set(env))
        launch = json.dumps({"env": dict(env), "unset": unset, "log": str(log_path)}) + "\n"
        try:
            process.stdin.write(launch.encode())
            process.stdin.close()
        except OSError:  # it died meanwhile; its exit code is the task's, as for any task
            log.warning("ecs: spare interpreter %s was gone at its launch", process.pid)
        return process

    def drop(self) -> None:
        """Stop the spares no launch took (they hold an interpreter's memory each)."""
        with self._lock:
            unused, self._spares = self._spares, []
        for _, _, process in unused:
            _stop(process)

    def close(self) -> None:
        """Drop the spares and end the spawning thread (after the tasks have stopped)."""
        with self._lock:
            self._closed = True
        self.drop()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(10)

    def _spawn_loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            argv, env = job
            module = argv[2]
            try:
                process = subprocess.Popen(
                    [argv[0], "-c", _SPARE, module],
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                    close_fds=True,
                    preexec_fn=self._preexec,  # noqa: PLW1509
                )
            except OSError as exc:  # launches spawn afresh and meet the same error there
                log.warning("ecs: no spare interpreter for %s: %s", module, exc)
                continue
            with self._lock:
                if not self._closed:
                    self._spares.append((argv, env, process))
                    continue
            _stop(process)


def _stop(spare: subprocess.Popen) -> None:
    spare.stdin.close()
    spare.terminate()  # its own process, in its own session: nothing else to signal
    spare.wait(10)
