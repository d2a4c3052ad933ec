"""A pytest plugin for benchmarks/suite.py: each test's wall time and CPU, the CPU being the
pytest process's and every process below it (the stacks, tasks, browsers and child runs the test
started), setup, call and teardown together. Loaded with `-p cpu_per_test` (benchmarks/ on
PYTHONPATH); each process that runs tests appends one JSON line per test to
`$ANIMEHUB_CPU_PER_TEST/<worker>.jsonl`, with when it began (epoch seconds) and the worker, so
that benchmarks/suite.py can show which tests ran last and how long each worker sat idle at the
end.

A process's CPU is read from /proc: its own time plus what its children used once it reaped them
(utime + stime + cutime + cstime), so a short child of a watched process counts in full without
being seen. A thread looks for new processes below the worker every half second; one seen once
is watched until it exits, even after it left the tree (a detached stack's process), and one
that exits while its parent is watched is then counted in that parent. What a process that left
the tree used in its last half second is missed.
Each look reads every process's /proc/PID/stat: ~7 ms of CPU with 200 processes, ~1.5 % of a
core per worker (2026-11-24, load 14).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

DIRECTORY = "ANIMEHUB_CPU_PER_TEST"
INTERVAL = 0.5
TICKS = os.sysconf("SC_CLK_TCK")


def _read_stat(pid: int) -> tuple[int, int, float] | None:
    """(parent pid, start time, CPU seconds with its reaped children), None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    times = sum(int(field) for field in fields[11:15])  # utime, stime, cutime, cstime
    return int(fields[1]), int(fields[19]), times / TICKS


class TreeCpu:
    """CPU seconds used so far by a process and every process seen below it."""

    def __init__(self, root: int) -> None:
        self.root = root
        self._watched: dict[tuple[int, int], tuple[int, float]] = {}  # (pid, start): (ppid, cpu)
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def sample(self) -> None:
        stats = {}
        for name in os.listdir("/proc"):
            if name.isdigit() and (found := _read_stat(int(name))) is not None:
                stats[int(name)] = found
        below: dict[int, list[int]] = {}
        for pid, (parent, _, _) in stats.items():
            below.setdefault(parent, []).append(pid)
        tree, queue = set(), [self.root]
        while queue:
            pid = queue.pop()
            tree.add(pid)
            queue.extend(below.get(pid, ()))
        with self._lock:
            alive = {(pid, stats[pid][1]) for pid in stats}
            watched_pids = {pid for pid, _ in self._watched}
            for key in list(self._watched):
                if key not in alive and self._watched[key][0] in watched_pids:
                    del self._watched[key]  # reaped: its parent's cutime/cstime hold it now
            for pid in tree | (watched_pids & stats.keys()):
                parent, start, cpu = stats[pid]
                if pid in tree or (pid, start) in self._watched:
                    self._watched[(pid, start)] = (parent, cpu)

    def total(self) -> float:
        self.sample()
        with self._lock:
            return sum(cpu for _, cpu in self._watched.values())

    def watch(self) -> None:
        while not self._stopped.wait(INTERVAL):
            self.sample()

    def stop(self) -> None:
        self._stopped.set()


class CpuPerTest:
    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.path = folder / f"{name}.jsonl"
        self.tree = TreeCpu(os.getpid())
        threading.Thread(target=self.tree.watch, name="cpu-per-test", daemon=True).start()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem):
        cpu, began, at = self.tree.total(), time.perf_counter(), time.time()
        yield
        line = {
            "test": item.nodeid,
            "worker": self.name,
            "began": at,
            "wall": time.perf_counter() - began,
            "cpu": self.tree.total() - cpu,
        }
        with self.path.open("a") as out:
            out.write(json.dumps(line) + "\n")

    def pytest_unconfigure(self) -> None:
        self.tree.stop()


def pytest_configure(config: pytest.Config) -> None:
    folder = os.environ.get(DIRECTORY)
    controller = getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput")
    if not folder or controller:
        return  # no folder, or the xdist controller, which runs no test
    name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    config.pluginmanager.register(CpuPerTest(Path(folder), name), "cpu-per-test")


def read(folder: Path) -> list[dict]:
    """Every test's line from every process of a run."""
    return [json.loads(line) for path in folder.glob("*.jsonl") for line in path.open()]
