"""One task run as a local process: spawn, readiness by port, graceful stop, log tail."""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.clock import clock
from harness.data_plane.ecs.runtime import port_open
from harness.data_plane.ecs.task_parent import ForkedProcess, TaskParent

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
# Variables a Python child needs from the harness's own environment; nothing else leaks in.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "VIRTUAL_ENV", "PYTHONPATH")

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    # Runs in the child between fork and exec. The signal fires when the *thread* that forked
    # exits, so tasks are spawned from the agent's long-lived loop thread.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def base_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    env = {name: environ[name] for name in PASSED_THROUGH if name in environ}
    env["PYTHONUNBUFFERED"] = "1"
    return env


# A Fargate task has no static keys and no credentials file: its role's credentials come from
# the agent's credentials endpoint (task_endpoints.py). Pointing the files nowhere keeps a key
# on this machine (~/.aws) out of the task's credential chain.
STATIC_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
NO_CREDENTIAL_FILES = {
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_CONFIG_FILE": os.devnull,
}


def task_visible(endpoint_env: Mapping[str, str]) -> dict[str, str]:
    """The stack's AWS variables as a task may see them: endpoints and region, no keys."""
    env = {k: v for k, v in endpoint_env.items() if k not in STATIC_CREDENTIALS}
    return env | NO_CREDENTIAL_FILES


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class LoopbackAddresses:
    """A distinct 127.0.0.x per task where the OS routes all of 127/8 to loopback (Linux):
    emulated elbv2 keys a target group's targets by Id alone, so two tasks on one IP would
    overwrite each other's registration. Elsewhere every task gets 127.0.0.1."""

    def __init__(self) -> None:
        self._next = 2
        self.distinct = _can_bind("127.0.0.2")

    def take(self) -> str:
        if not self.distinct:
            return "127.0.0.1"
        host = f"127.0.0.{self._next}"
        self._next = 2 if self._next >= 254 else self._next + 1
        return host


def _can_bind(host: str) -> bool:
    try:
        with socket.socket() as sock:
            sock.bind((host, 0))
        return True
    except OSError:
        return False


class TaskProcess:
    container = None  # a process task has no container (container_runtime.TaskContainer does)

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        host: str,
        port: int,
        log_path: Path,
        parent: TaskParent | None = None,
    ) -> None:
        self.argv = list(argv)
        self.parent = parent  # forks the task instead of spawning it (task_parent.py)
        self.env = dict(env)
        self.host = host
        self.port = port
        self.log_path = log_path
        self._process: subprocess.Popen | ForkedProcess | None = None
        self._term_sent_at: float | None = None
        self._group_killed = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> TaskProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.parent is not None:
            self._process = self.parent.fork(self.argv, self.env, self.log_path)
            return self
        with open(self.log_path, "ab") as log_file:
            self._process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                preexec_fn=_die_with_parent if _libc is not None else None,  # noqa: PLW1509
            )
        return self

    def exit_code(self) -> int | None:
        """None while running; reaps the process once it has exited."""
        return None if self._process is None else self._process.poll()

    def accepts_connections(self) -> bool:
        return port_open(self.host, self.port)

    def terminate(self) -> None:
        """Ask the task's process group to stop (SIGTERM); `kill_if_slow` finishes the job."""
        if self.exit_code() is None and self._term_sent_at is None:
            self._signal(signal.SIGTERM)
            self._term_sent_at = clock.monotonic()

    def kill_if_slow(self, grace: float) -> bool:
        """True once the process has exited; SIGKILL after `grace` seconds of SIGTERM."""
        if self.exit_code() is not None:
            if not self._group_killed:
                self._signal(signal.SIGKILL)  # leftovers of the process group, if any
                self._group_killed = True
            return True
        if self._term_sent_at is not None and clock.monotonic() - self._term_sent_at > grace:
            self._signal(signal.SIGKILL)
        return False

    def kill(self) -> None:
        if self._process is not None:
            self._signal(signal.SIGKILL)

    def stop(self, grace: float = 5.0) -> int | None:
        """Blocking stop: SIGTERM, wait up to `grace`, SIGKILL, reap."""
        if self._process is None:
            return None
        self.terminate()
        try:
            self._process.wait(grace)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self._process.wait()
        self._signal(signal.SIGKILL)
        return self._process.returncode

    def _signal(self, signum: int) -> None:
        if self._process is None:  # stopped while still provisioning: nothing was started
            return
        try:
            os.killpg(self._process.pid, signum)
        except OSError as exc:
            if exc.errno not in (errno.ESRCH, errno.EPERM):
                raise

    def log_tail(self, lines: int = 20) -> str:
        return log_tail(self.log_path, lines)


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
