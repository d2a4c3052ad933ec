"""Spare task interpreters (task_spares.py): a spare that takes a launch is the task, and the
task sees what `python -m MODULE` would have shown it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.data_plane.ecs.task_process import DIE_WITH_PARENT, TaskProcess
from harness.data_plane.ecs.task_spares import TaskSpares, agrees
from harness.plumbing.waiting import wait_until

PROBE = """
import json, os, sys
print(json.dumps({
    "name": __name__, "spec": __spec__.name, "argv": sys.argv, "path0": sys.path[0],
    "env": dict(os.environ), "ppid": os.getppid(), "pid": os.getpid(),
    "stdin": sys.stdin.read(),
}))
print("to stderr", file=sys.stderr)
sys.exit(3)
"""


@pytest.fixture
def probe(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    package = tmp_path / "probe_module"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(PROBE)
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    return [sys.executable, "-m", "probe_module"], env


@pytest.fixture
def spares():
    spares = TaskSpares(DIE_WITH_PARENT)
    yield spares
    spares.close()


def _run_task(argv, env, log_path: Path, spares: TaskSpares | None) -> int:
    task = TaskProcess(argv, env, "127.0.0.1", 0, log_path, spares).start()
    return wait_until(
        lambda: task.exit_code() is not None and (task.exit_code(), task.pid),
        what="the probe task to exit",
        timeout=60,
    )


def _spare_ready(spares: TaskSpares) -> None:
    wait_until(lambda: spares.waiting() == 1, what="a spare interpreter", timeout=60)


def test_a_spare_task_sees_what_python_m_shows_and_is_the_harness_child(probe, spares, tmp_path):
    argv, env = probe
    spares.prepare(argv, env, 1)
    _spare_ready(spares)
    task_env = env | {"TASK_ID": "t-1", "AWS_REGION": "eu-west-1"}

    (code, pid) = _run_task(argv, task_env, tmp_path / "spare.log", spares)
    fresh = subprocess.run(
        argv, env=task_env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )

    assert spares.waiting() == 0
    seen_spare, stderr_line = (tmp_path / "spare.log").read_text().splitlines()
    seen_spare, seen_fresh = json.loads(seen_spare), json.loads(fresh.stdout)
    assert (code, fresh.returncode) == (3, 3)
    assert stderr_line == "to stderr" == fresh.stderr.strip()
    assert seen_spare["pid"] == pid and seen_spare["ppid"] == os.getpid()
    for shown in ("name", "spec", "argv", "path0", "env", "stdin"):
        assert seen_spare[shown] == seen_fresh[shown], shown
    assert task_env.items() <= seen_spare["env"].items()


def test_a_launch_differing_in_what_the_interpreter_read_at_start_spawns_afresh(
    probe, spares, tmp_path
):
    argv, env = probe
    spares.prepare(argv, env, 1)
    _spare_ready(spares)

    _run_task(argv, env | {"PYTHONHASHSEED": "7"}, tmp_path / "other.log", spares)

    assert spares.waiting() == 1
    assert not agrees(env, env | {"LD_PRELOAD": "/lib/libfaketime.so.1"})
    assert agrees(env, env | {"COGNITO_ISSUER": "http://127.0.0.1:1/pool"})


def test_spares_no_launch_took_are_stopped(probe, spares):
    argv, env = probe
    spares.prepare(argv, env, 2)
    wait_until(lambda: spares.waiting() == 2, what="two spare interpreters", timeout=60)

    spares.drop()

    assert spares.waiting() == 0
