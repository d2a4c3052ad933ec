"""The harness's side of the pre-imported task parent (`preforked.py`): launched once per
process runtime, it forks each `python -m MODULE` task instead of the harness spawning a new
interpreter that imports everything again (~0.4 s CPU per task, #14).

A task is forked only where that is exactly what `python -m` would run: the parent's own
interpreter, and the task's value of every variable read while the parent imported, or read by
Python and the loader at start-up, is the parent's. Any other task is spawned as before.
`ForkedProcess` gives a forked task Popen's surface (pid, poll, wait, returncode), so
`TaskProcess` signals and reaps it the same way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger("harness.data_plane.ecs.agent")

SCRIPT = Path(__file__).with_name("preforked.py")
READY_TIMEOUT = 60.0  # only catches a hang: a loaded machine takes seconds to import
STOP_TIMEOUT = 10.0
# Read by the interpreter or the dynamic loader before any module runs: a forked child keeps
# the parent's, so a task must have the same values to be forked.
STARTUP_PREFIXES = ("PYTHON", "LD_", "FAKETIME", "LC_", "MALLOC_")
STARTUP_NAMES = ("LANG", "LANGUAGE", "PATH", "HOME")
ALL_READ = "*"
# What the parent's environment holds so that a child can show its own environment in the
# memory the kernel reads for /proc/PID/environ (preforked.show_as); a task whose environment
# needs more is spawned.
ROOM_VARIABLE = "ANIMEHUB_TASK_ENVIRONMENT_ROOM"
ROOM = 32 * 1024


def environment_size(env: Mapping[str, str]) -> int:
    return sum(len(f"{name}={value}".encode()) + 1 for name, value in env.items())


class ForkedProcess:
    """A forked task as subprocess.Popen shows a process: the parent reaps it and reports."""

    def __init__(self, parent: TaskParent, pid: int, args: Sequence[str]) -> None:
        self._parent = parent
        self.pid = pid
        self.args = list(args)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._parent.returncode(self.pid, 0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self._parent.returncode(self.pid, timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode


class TaskParent:
    def __init__(self, env: Mapping[str, str], log_path: Path | None = None) -> None:
        self.env = dict(env)  # what a task must have to be forked (beside its own variables)
        self.log_path = log_path
        self._process: subprocess.Popen | None = None
        self._socket: socket.socket | None = None
        self._lock = threading.RLock()
        self._buffer = b""
        self._read: frozenset[str] | None = None
        self._started: dict[int, int] = {}
        self._exited: dict[int, int] = {}
        self._children: set[int] = set()
        self._next_id = 0
        self._gone = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> TaskParent:
        """Launch the parent; it imports while the harness goes on (`ready` waits for it)."""
        mine, theirs = socket.socketpair()
        output = subprocess.DEVNULL
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            output = open(self.log_path, "ab")  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                [sys.executable, str(SCRIPT), str(theirs.fileno())],
                env=self.env | {ROOM_VARIABLE: "." * ROOM},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # a Ctrl-C to the harness's group is not its to take
            )
        finally:
            theirs.close()
            if output is not subprocess.DEVNULL:
                output.close()
        self._socket = mine
        return self

    # -- what may be forked -----------------------------------------------------------------

    def refusal(self, argv: Sequence[str], env: Mapping[str, str]) -> str | None:
        """None when forking this task runs exactly what spawning `argv` would; else why not."""
        if len(argv) < 3 or argv[0] != sys.executable or argv[1] != "-m":
            return f"{list(argv[:2])} is not `{sys.executable} -m MODULE`"
        read = self.ready()
        if read is None or self._gone:
            return "the task parent is not running"
        if ALL_READ in read:
            return "the task parent's imports read the whole environment"
        if environment_size(env) > ROOM + environment_size(self.env):
            return "the task's environment is larger than the room the parent keeps for it"
        names = {n for n in {*env, *self.env} if n.startswith(STARTUP_PREFIXES)}
        for name in sorted(names | set(STARTUP_NAMES) | read):
            if env.get(name) != self.env.get(name):
                return f"the task's {name} is not the task parent's"
        return None

    def ready(self, timeout: float = READY_TIMEOUT) -> frozenset[str] | None:
        """The names the parent's imports read, once it has imported; None if it is gone."""
        with self._lock:
            deadline = time.monotonic() + timeout
            while self._read is None and not self._gone:
                self._receive(max(0.0, deadline - time.monotonic()))
                if self._read is None and time.monotonic() >= deadline:
                    log.warning("ecs: the task parent did not import in %.0fs", timeout)
                    self._lost()
            return self._read

    # -- forking ----------------------------------------------------------------------------

    def fork(self, argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> ForkedProcess:
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            self._send(
                {
                    "op": "start",
                    "id": request_id,
                    "module": argv[2],
                    "args": list(argv[3:]),
                    "argv": list(argv),
                    "env": dict(env),
                    "cwd": os.getcwd(),
                    "log": str(log_path),
                }
            )
            while request_id not in self._started and not self._gone:
                if not self._receive(READY_TIMEOUT):
                    log.warning("ecs: the task parent did not answer in %.0fs", READY_TIMEOUT)
                    self._lost()
            pid = self._started.pop(request_id, None)
            if pid is None:
                raise OSError(f"the task parent could not start {argv[2]}: {self._failure}")
            self._children.add(pid)
            return ForkedProcess(self, pid, argv)

    def returncode(self, pid: int, timeout: float | None) -> int | None:
        """A child's returncode (Popen's form), waiting up to `timeout`; None while it runs."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while pid not in self._exited and not self._gone:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    if not self._receive(0.0):
                        break
                    continue
                self._receive(left)
            return self._exited.get(pid)

    def close(self) -> None:
        """Stop the parent (idempotent): it exits when its socket closes. A task still running
        (the agent stops its tasks first) is killed rather than left behind."""
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None
            self._gone = True
            self._end_children()
        if self._process is not None and self._process.poll() is None:
            try:
                self._process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    # -- the wire ---------------------------------------------------------------------------

    _failure = ""

    def _send(self, message: dict) -> None:
        try:
            self._socket.sendall((json.dumps(message) + "\n").encode())
        except (OSError, AttributeError):
            self._lost()

    def _receive(self, timeout: float | None) -> bool:
        """Read and file what has arrived within `timeout`; False if nothing did."""
        if self._socket is None:
            self._lost()
            return False
        readable, _, _ = select.select([self._socket], [], [], timeout)
        if not readable:
            return False
        try:
            chunk = self._socket.recv(65536)
        except OSError:
            chunk = b""
        if not chunk:
            self._lost()
            return True
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in filter(None, lines):
            self._file(json.loads(line))
        return True

    def _file(self, message: dict) -> None:
        op = message["op"]
        if op == "ready":
            self._read = frozenset(message["read"])
        elif op == "started":
            self._started[message["id"]] = message["pid"]
        elif op == "failed":
            self._failure = message["error"]
            self._started[message["id"]] = None
        elif op == "exited":
            self._exited[message["pid"]] = message["returncode"]
            self._children.discard(message["pid"])

    def _lost(self) -> None:
        """The parent is gone (or hung): its children had SIGTERM from their death signal."""
        if not self._gone:
            log.error("ecs: the task parent (pid %s) is gone; its tasks die with it", self.pid)
            self._gone = True
            if self._process is not None:
                with contextlib.suppress(OSError):
                    self._process.kill()
        self._end_children()

    def _end_children(self) -> None:
        """Kill what is left of each child's process group; each is reported killed (its own
        exit status, if it had one, went with the parent)."""
        for pid in self._children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            self._exited[pid] = -signal.SIGKILL
        self._children.clear()
