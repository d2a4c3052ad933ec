"""The pre-imported task parent: run by path (`python preforked.py FD`), never imported by the
harness. It imports the API's third-party dependencies once, then forks one child per task;
each child becomes exactly what `python -m MODULE ARGS` would be (its own session, the task's
environment only, stdio on the task's log, the module run as `__main__`), and the parent
reports each child's exit status. Standard library only, single-threaded, and it keeps no
Python object over a file descriptor, so a child can close every inherited one.

Wire (JSON lines on the socket FD): the parent sends {"ready", "read": [names]} once imported;
then answers {"start", "id", "module", "args", "argv", "env", "cwd", "log"} with
{"started", "id", "pid"} or {"failed", "id", "error"}, and sends {"exited", "pid",
"returncode"} (Popen's form: -N for signal N) when a child ends. It exits when the socket
closes (the harness stopped or died); its children then get SIGTERM (PR_SET_PDEATHSIG), as a
task spawned by the harness does when the harness dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import select
import signal
import sys
import time

# What `python -X importtime -m api` shows is heavy, minus the `api` package itself (an image's
# code may read its environment at import). A name missing here is imported by the child.
PRE_IMPORTED = (
    "asyncio",
    "boto3",
    "boto3.session",
    "boto3.dynamodb.conditions",
    "boto3.dynamodb.types",
    "botocore.client",
    "botocore.config",
    "botocore.exceptions",
    "botocore.session",
    "jwt",
    "jwt.algorithms",
    "starlette.applications",
    "starlette.concurrency",
    "starlette.datastructures",
    "starlette.exceptions",
    "starlette.middleware",
    "starlette.requests",
    "starlette.responses",
    "starlette.routing",
    "uvicorn",
    "uvicorn.config",
    "uvicorn.server",
    "uvicorn.lifespan.on",
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
    "urllib.request",
)
PR_SET_PDEATHSIG = 1
ROOM_VARIABLE = "ANIMEHUB_TASK_ENVIRONMENT_ROOM"  # in the parent's environment only
ALL_READ = "*"  # something iterated over the whole environment while importing


class _RecordingEnviron(type(os.environ)):
    """os.environ while importing: notes every name read, so the harness forks only tasks whose
    value of each is the parent's (a module that read one at import holds what it read)."""

    read: set = set()

    def __getitem__(self, key):
        _RecordingEnviron.read.add(key)
        return super().__getitem__(key)

    def __iter__(self):
        _RecordingEnviron.read.add(ALL_READ)
        return super().__iter__()


def pre_import() -> list[str]:
    environ_class = type(os.environ)
    os.environ.__class__ = _RecordingEnviron
    try:
        for name in PRE_IMPORTED:
            with contextlib.suppress(ImportError):  # the child imports it, as `-m` would
                importlib.import_module(name)
    finally:
        os.environ.__class__ = environ_class
    return sorted(_RecordingEnviron.read)


class Channel:
    """JSON lines over a raw socket descriptor (no socket object: see the module's doc)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = b""

    def send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data) :]

    def receive(self) -> list[dict] | None:
        """The whole messages readable now; None at end of file."""
        chunk = os.read(self.fd, 65536)
        if not chunk:
            return None
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        return [json.loads(line) for line in lines if line]


class Child:
    """What a forked child does once it leaves the parent's loop: become the task."""

    def __init__(self, request: dict, log_fd: int, parent_pid: int) -> None:
        self.request = request
        self.log_fd = log_fd
        self.parent_pid = parent_pid

    def become_task(self, started_fd: int) -> None:
        os.setsid()
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if os.getppid() != self.parent_pid:  # the parent died before prctl: die as told
            os.kill(os.getpid(), signal.SIGTERM)
        # The parent answers `started` once this closes: by then the task has its own process
        # group, so a signal sent to the group at once reaches it (Popen returns after exec).
        os.close(started_fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(self.log_fd, 1)
        os.dup2(self.log_fd, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # close_fds, as Popen does
        os.environ.clear()
        os.environ.update(self.request["env"])
        time.tzset()
        if "tempfile" in sys.modules:
            sys.modules["tempfile"].tempdir = None
        os.chdir(self.request["cwd"])
        show_as(self.request["argv"], self.request["env"])
        catch_up_with_the_clock_file()

    def run(self) -> None:
        """`python -m MODULE ARGS`: runpy's own entry for -m, the cwd first on sys.path."""
        import builtins
        import runpy
        import types

        sys.orig_argv = list(self.request["argv"])
        sys.argv = ["-m", *self.request["args"]]
        sys.path[0] = os.getcwd()
        main = types.ModuleType("__main__")
        main.__builtins__ = builtins  # as the interpreter's own __main__ has it
        sys.modules["__main__"] = main
        runpy._run_module_as_main(self.request["module"], alter_argv=True)


def show_as(argv: list[str], env: dict[str, str]) -> None:
    """What the kernel shows of this process (/proc/PID/cmdline and /proc/PID/environ, read by
    `ps` and by tests that check a task's environment as the kernel holds it) is the memory its
    exec was given: the parent's. Both are rewritten in place with the task's, padded with NULs
    (the parent's environment holds ROOM_VARIABLE to make room; the harness spawns a task that
    does not fit). Nothing points into that memory any more: os.environ was replaced."""
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # Fields 48-51 of proc(5), counted from the state (field 3) here.
    arg_start, arg_end, env_start, env_end = (int(fields[n - 3]) for n in (48, 49, 50, 51))
    for start, end, items in (
        (arg_start, arg_end, argv),
        (env_start, env_end, [f"{k}={v}" for k, v in env.items()]),
    ):
        data = b"".join(item.encode() + b"\0" for item in items)
        if len(data) <= end - start:
            ctypes.memmove(start, data.ljust(end - start, b"\0"), end - start)


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _real_time() -> float:
    """The time libfaketime does not fake: libc's own clock_gettime, looked up in libc itself
    (libfaketime interposes the global symbol only)."""
    spec = _Timespec()
    ctypes.CDLL("libc.so.6").clock_gettime(0, ctypes.byref(spec))  # CLOCK_REALTIME
    return spec.tv_sec + spec.tv_nsec / 1e9


def catch_up_with_the_clock_file() -> None:
    """A new process reads the clock file at its first reading of the time; a forked one starts
    with the offset the parent read, which libfaketime keeps until the second changes. If the
    file has moved since (an advance just before this task started), wait for that re-read,
    so the task's first reading is the new time, as a spawned task's is."""
    path = os.environ.get("FAKETIME_TIMESTAMP_FILE")
    if not path or "faketime" not in os.environ.get("LD_PRELOAD", ""):
        return
    try:
        with open(path) as file:
            wanted = float(file.read().strip() or 0)
    except (OSError, ValueError):
        return
    give_up = _real_time() + 3.0
    while abs(time.time() - _real_time() - wanted) > 0.5 and _real_time() < give_up:
        time.sleep(0.02)


def serve(channel: Channel) -> Child | None:
    """The parent's loop; returns only in a forked child (or None once the harness is gone)."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    parent_pid = os.getpid()
    while True:
        try:
            readable, _, _ = select.select([channel.fd, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in readable:
            os.read(wake_r, 4096)
            _report_exits(channel)
        if channel.fd not in readable:
            continue
        messages = channel.receive()
        if messages is None:
            return None
        for request in messages:
            try:
                log_fd = os.open(  # as open(path, "ab") creates it
                    request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666
                )
            except OSError as exc:
                channel.send({"op": "failed", "id": request["id"], "error": str(exc)})
                continue
            set_up_r, set_up_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                child = Child(request, log_fd, parent_pid)
                child.become_task(set_up_w)
                return child
            os.close(set_up_w)
            os.read(set_up_r, 1)  # end of file once the child has its session
            os.close(set_up_r)
            os.close(log_fd)
            channel.send({"op": "started", "id": request["id"], "pid": pid})


def _report_exits(channel: Channel) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        channel.send({"op": "exited", "pid": pid, "returncode": os.waitstatus_to_exitcode(status)})


def main() -> Child | None:
    channel = Channel(int(sys.argv[1]))
    channel.send({"op": "ready", "read": pre_import()})
    return serve(channel)


if __name__ == "__main__":
    task = main()
    if task is not None:
        task.run()
