"""Tasks forked from the pre-imported parent are what `python -m MODULE` would be.

Each test runs a probe module through ProcessRuntime, forked (the default) and, where the point
is sameness, spawned as well (ANIMEHUB_TASK_START=exec), and compares what the probe saw.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from harness.clock import faketime
from harness.clock.stack_clock import write_offset_file
from harness.data_plane.ecs.process_runtime import EXEC, FORK, ProcessRuntime
from harness.data_plane.ecs.runtime import TaskLaunch
from harness.data_plane.ecs.task_lifecycle import container_exit_code
from harness.data_plane.ecs.task_process import base_environment
from harness.errors import ConfigError
from harness.plumbing.waiting import NotYet, wait_until
from harness.settings import Settings

PATIENCE = 60.0  # only catches a hang
PROBE = """\
import json, os, signal, sys, time

def disposition(signum):
    handler = signal.getsignal(signum)
    return getattr(handler, "__name__", str(handler))

print(json.dumps({
    "env": dict(os.environ),
    "argv": sys.argv,
    "path0": sys.path[0],
    "name": __name__,
    "time": time.time(),
    "own_session": os.getsid(0) == os.getpid(),
    "fds": sorted(os.listdir("/proc/self/fd")),
    "signals": {s.name: disposition(s) for s in
                (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE, signal.SIGHUP)},
    "wakeup_fd": signal.set_wakeup_fd(-1),
    "api_imported": "api" in sys.modules,
}), flush=True)
mode = os.environ.get("PROBE")
if mode == "exit":
    sys.exit(int(os.environ["PROBE_CODE"]))
if mode == "crash":
    raise RuntimeError("the probe crashed on purpose")
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
while mode in ("wait", "stubborn"):
    time.sleep(0.2)
"""


@pytest.fixture
def probe_dir(tmp_path, monkeypatch):
    """A directory holding `task_probe.py`, the working directory (what `-m` searches first)."""
    (tmp_path / "task_probe.py").write_text(PROBE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def runtimes(probe_dir):
    """Make a ProcessRuntime running the probe; each is closed after the test."""
    made = []

    def make(start: str = FORK, parent_env=None) -> ProcessRuntime:
        runtime = ProcessRuntime(
            {"animehub-api": [sys.executable, "-m", "task_probe", "one", "two"]},
            start=start,
            parent_env=parent_env,
            log_dir=probe_dir / "logs",
        )
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


@pytest.fixture
def launch(runtimes):
    """Start a probe task on a runtime; each still running is stopped after the test."""
    started = []

    def start(runtime: ProcessRuntime, env: dict[str, str], name: str):
        task = runtime.launch(
            TaskLaunch(
                task_id=name,
                service="api",
                image="animehub-api",
                environment={"TASK_ID": name, **env},
                host="127.0.0.1",
                port=1,
                log_path=runtime._log_dir / f"task-{name}.log",
            )
        )
        started.append(task)
        return task.start()

    yield start
    for task in started:
        task.stop(grace=PATIENCE)


def report(task) -> dict:
    def first_line():
        lines = task.log_path.read_text().splitlines() if task.log_path.exists() else []
        if not lines:
            raise NotYet("nothing in the task's log yet")
        return json.loads(lines[0])

    return wait_until(first_line, what="the probe's report", timeout=PATIENCE)


def exit_code(task) -> int:
    return (
        wait_until(lambda: task.exit_code() is not None, what="the task's exit", timeout=PATIENCE)
        and task.exit_code()
    )


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_a_forked_task_sees_what_a_spawned_one_sees_and_nothing_of_the_harness(
    launch, runtimes, monkeypatch
):
    monkeypatch.setenv("ANIMEHUB_TEST_LEAK", "leaked")
    env = {"APP_VERSION": "7", "PROBE": "wait"}
    # The parent's own environment holds a variable no task has: a task must not see it.
    forked_runtime = runtimes(FORK, parent_env={"ANIMEHUB_PARENT_ONLY": "1"})
    spawned_runtime = runtimes(EXEC)
    forked, spawned = launch(forked_runtime, env, "forked"), launch(spawned_runtime, env, "spawned")
    seen_forked, seen_spawned = report(forked), report(spawned)

    assert parent_of(forked.pid) == forked_runtime._parent.pid  # it was forked
    assert parent_of(spawned.pid) == os.getpid()
    assert seen_forked["env"] == base_environment() | {"TASK_ID": "forked"} | env
    assert "ANIMEHUB_TEST_LEAK" not in seen_forked["env"]
    assert "ANIMEHUB_PARENT_ONLY" not in seen_forked["env"]
    assert seen_spawned["env"] == base_environment() | {"TASK_ID": "spawned"} | env
    for same in ("argv", "path0", "name", "own_session", "fds", "signals", "wakeup_fd"):
        assert seen_forked[same] == seen_spawned[same], same
    assert seen_forked["argv"][1:] == ["one", "two"] and seen_forked["name"] == "__main__"
    assert seen_forked["path0"] == str(Path.cwd())
    assert seen_forked["api_imported"] is False  # the image's code is imported by the task
    # What the kernel shows of each (ps, /proc): the task's command line and environment.
    assert kernel_view(forked.pid, "environ") == [f"{k}={v}" for k, v in seen_forked["env"].items()]
    assert kernel_view(forked.pid, "cmdline") == kernel_view(spawned.pid, "cmdline")


def kernel_view(pid: int, name: str) -> list[str]:
    raw = Path(f"/proc/{pid}/{name}").read_bytes().decode()
    return [item for item in raw.split("\0") if item]


@pytest.mark.parametrize(
    ("mode", "expected", "in_log"),
    [("exit", 3, ""), ("crash", 1, "RuntimeError: the probe crashed on purpose")],
)
def test_a_forked_tasks_own_exit_status_is_reported(launch, runtimes, mode, expected, in_log):
    task = launch(runtimes(), {"PROBE": mode, "PROBE_CODE": "3"}, mode)
    assert task.parent is not None
    assert exit_code(task) == expected
    assert in_log in task.log_tail()


def test_a_forked_task_that_ignores_sigterm_is_killed_after_its_grace_as_137(launch, runtimes):
    task = launch(runtimes(), {"PROBE": "stubborn"}, "stubborn")
    report(task)  # SIGTERM is ignored from here on
    assert task.parent is not None
    returncode = task.stop(grace=0.5)
    assert returncode == -signal.SIGKILL and container_exit_code(returncode) == 137


def test_the_agents_stop_of_a_forked_task_that_ignores_sigterm_ends_in_137(launch, runtimes):
    task = launch(runtimes(), {"PROBE": "stubborn"}, "stubborn-agent")
    report(task)
    task.terminate()  # what the agent does: SIGTERM, then each tick kill_if_slow(stopTimeout)
    wait_until(lambda: task.kill_if_slow(0.5), what="the task stopped", timeout=PATIENCE)
    assert container_exit_code(task.exit_code()) == 137


def test_a_forked_task_stopped_by_sigterm_reports_it(launch, runtimes):
    task = launch(runtimes(), {"PROBE": "wait"}, "wait")
    report(task)
    assert container_exit_code(task.stop(grace=PATIENCE)) == 128 + signal.SIGTERM


def test_a_killed_parent_takes_its_tasks_with_it(launch, runtimes):
    runtime = runtimes()
    tasks = [launch(runtime, {"PROBE": "wait"}, f"task{n}") for n in range(2)]
    for task in tasks:
        report(task)
    os.kill(runtime._parent.pid, signal.SIGKILL)

    for task in tasks:  # gone by their death signal, before the harness looks
        wait_until(lambda t=task: gone(t.pid), what="the task gone", timeout=PATIENCE)
    for task in tasks:  # their own status went with the parent: reported killed
        assert container_exit_code(exit_code(task)) == 137
    later = launch(runtime, {"PROBE": "exit", "PROBE_CODE": "0"}, "later")
    assert later.parent is None  # spawned: the parent is not restarted behind anyone's back
    assert exit_code(later) == 0


def test_closing_the_runtime_leaves_no_parent_and_no_task(launch, runtimes):
    runtime = runtimes()
    task = launch(runtime, {"PROBE": "wait"}, "left")
    report(task)
    parent = runtime._parent.pid
    runtime.close()
    assert gone(parent)
    wait_until(lambda: gone(task.pid), what="the task gone", timeout=PATIENCE)


def test_a_forked_task_follows_the_stack_clock_moved_after_the_parent_started(
    launch, runtimes, tmp_path
):
    assert faketime.find_library(), "libfaketime is missing: scripts/bootstrap.sh installs it"
    clock_file = tmp_path / "clock" / "offset"
    write_offset_file(clock_file, 0)
    clock_env = faketime.environment(clock_file)
    runtime = runtimes(parent_env=clock_env)
    runtime.start_parent().ready()  # imported on real time
    write_offset_file(clock_file, 181 * 86400)

    task = launch(runtime, clock_env | {"PROBE": "exit", "PROBE_CODE": "0"}, "clock")
    seen = report(task)

    assert task.parent is not None
    assert abs(seen["time"] - time.time() - 181 * 86400) < 60


@pytest.mark.parametrize(
    "differs",
    [
        {"PYTHONHASHSEED": "0"},  # read by the interpreter at start-up
        {"LD_PRELOAD": ""},  # the parent was started without libfaketime: no clock
        {"SPHINX_BUILD": "1"},  # read by PyJWT while the parent imported it
    ],
)
def test_a_task_the_parent_cannot_be_is_spawned(launch, runtimes, differs):
    runtime = runtimes()
    env = {"PROBE": "exit", "PROBE_CODE": "0"} | differs
    refusal = runtime.start_parent().refusal(
        [sys.executable, "-m", "task_probe"], base_environment() | env
    )
    assert refusal == f"the task's {next(iter(differs))} is not the task parent's"
    task = launch(runtime, env, "spawned")
    assert task.parent is None
    assert report(task)["env"]["PROBE"] == "exit"


def test_an_unknown_task_start_names_the_variable():
    with pytest.raises(ConfigError, match="^ANIMEHUB_TASK_START: unknown way to start"):
        Settings.from_env({"ANIMEHUB_TASK_START": "clone"})
