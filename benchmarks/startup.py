"""How long `harness up --detach` takes to a ready stack, next to a bare moto server's time to
its first answer, in the same run. Prints figures; it is not a test.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--tasks 2] [--idle 30]

Each round starts a bare moto server, then the stack, one right after the other, so that the
ratio of the pair sees the same load on a shared machine; the ratio is given per round
(min/median/max), with the stack's own step timings (median) to show where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from statistics import median

from benchlib import HARNESS, header, load_note, row, status


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a running process and of its running children (Linux /proc)."""
    return sum(cpu_by_process(pid).values())


def cpu_by_process(pid: int) -> dict[str, float]:
    """CPU seconds of a running process and of its running children, by what each one is;
    tasks forked by a child (the pre-imported task parent) count as API tasks."""
    tick = os.sysconf("SC_CLK_TCK")
    running: dict[int, tuple[int, list[str], float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                argv = cmdline.read().decode(errors="replace").split("\0")[:-1]
        except OSError:
            continue
        # fields[1]: the parent's pid; 11 and 12: user and system CPU in ticks
        running[int(entry)] = (int(fields[1]), argv, (int(fields[11]) + int(fields[12])) / tick)
    total: dict[str, float] = {}
    for number, (parent, argv, cpu) in running.items():
        if number == pid:
            kind = "stack process"
        elif parent == pid:
            kind = _kind(argv)
        elif running.get(parent, (None,))[0] == pid and _kind(running[parent][1]) == TASK_PARENT:
            kind = "API tasks"
        else:
            continue
        total[kind] = total.get(kind, 0.0) + cpu
    return total


TASK_PARENT = "task parent (pre-imports)"


def _kind(argv: list[str]) -> str:
    if "harness.data_plane.edge.child" in argv:
        return "edge process"
    if argv[-1:] == ["api"]:  # `python -m api`
        return "API tasks"
    if any(arg.endswith("preforked.py") for arg in argv):
        return TASK_PARENT
    return "other children"


def bare_moto() -> tuple[float, float]:
    """A moto server process, from launch to its first answered request; wall and CPU s.
    Connections are refused until it listens; once one is accepted, the answer is waited for
    (a loaded machine takes seconds to give it)."""
    port = free_port()
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=60).read()
                return time.perf_counter() - began, cpu_seconds(proc.pid)
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None:
                    raise SystemExit("moto server exited before answering") from None
                time.sleep(0.01)
    finally:
        proc.terminate()
        proc.wait()


def harness_up(
    tasks: int, cold: bool, checkout: str | None = None, idle: float = 0.0
) -> tuple[float, dict[str, float], dict[str, float], float | None]:
    """Seconds to a ready stack, CPU seconds spent to get there by process, the stack's step
    timings, and (`idle` > 0) the stack process's CPU over `idle` seconds once ready, as a
    share of a core. `checkout`: another checkout's harness and api, run by this environment
    from that directory (`python -m` looks there first; the tasks are started there too)."""
    with tempfile.TemporaryDirectory(prefix="animehub-bench-") as run_dir:
        env = dict(os.environ)
        if cold:
            env["ANIMEHUB_SNAPSHOT_CACHE"] = os.path.join(run_dir, "empty-snapshot-cache")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        up = subprocess.run(
            [*HARNESS, "up", "--detach", "--run-dir", run_dir, "--tasks", str(tasks)],
            capture_output=True,
            text=True,
            env=env,
            cwd=checkout,
        )
        elapsed = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        try:
            if up.returncode != 0:
                raise SystemExit(f"harness up failed: {up.stderr.strip().splitlines()[-1]}")
            # At once: a running stack keeps spending CPU (health checks, pollers).
            pid = json.loads((Path(run_dir) / "state.json").read_text())["pid"]
            cpu = {"CLI (up --detach)": cli, **cpu_by_process(int(pid))}
            steps = status(run_dir).get("timings") or {}
            idle_share = None
            if idle > 0:
                first, since = cpu_by_process(int(pid))["stack process"], time.monotonic()
                time.sleep(idle)
                spent = cpu_by_process(int(pid))["stack process"] - first
                idle_share = spent / (time.monotonic() - since)
        finally:
            subprocess.run(
                [*HARNESS, "down", "--run-dir", run_dir], capture_output=True, cwd=checkout
            )
        return elapsed, cpu, steps, idle_share


class Figures:
    """One harness's rounds."""

    def __init__(self) -> None:
        self.up: list[float] = []
        self.cpu: list[float] = []
        self.ratios: list[float] = []
        self.cpu_ratios: list[float] = []
        self.cpu_parts: dict[str, list[float]] = {}
        self.steps: dict[str, list[float]] = {}
        self.idle: list[float] = []

    def add(self, seconds, by_process, timings, idle, moto, moto_cpu) -> None:
        cpu = sum(by_process.values())
        self.up.append(seconds)
        self.cpu.append(cpu)
        self.ratios.append(seconds / moto)
        self.cpu_ratios.append(cpu / moto_cpu)
        for kind, value in by_process.items():
            self.cpu_parts.setdefault(kind, []).append(value)
        for step, value in timings.items():
            self.steps.setdefault(step, []).append(value)
        if idle is not None:
            self.idle.append(idle * 100)

    def print(self, tasks: int) -> None:
        print(row(f"harness up --detach to ready ({tasks} tasks)", self.up, " s"))
        print(row("ratio up / bare moto (per round)", self.ratios, "x"))
        print(row("CPU: harness up (CLI, stack, tasks)", self.cpu, " s"))
        print(row("CPU ratio up / bare moto (per round)", self.cpu_ratios, "x"))
        for kind, values in sorted(self.cpu_parts.items(), key=lambda kv: -median(kv[1])):
            print(row(f"  CPU: {kind}", values, " s"))
        if self.idle:
            print(row("stack process CPU once ready, idle (% of a core)", self.idle, " %"))
        print("steps inside the stack, longest first (median s):")
        for step, values in sorted(self.steps.items(), key=lambda kv: -median(kv[1])):
            print(f"  {median(values):6.2f}  {step}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument(
        "--cold", action="store_true", help="an empty snapshot cache each round: provision"
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="also measure the ready stack's process CPU over this many idle seconds",
    )
    parser.add_argument(
        "--baseline",
        metavar="CHECKOUT",
        help="another checkout (a worktree of an earlier commit) measured in the same rounds",
    )
    args = parser.parse_args()

    header("start-up" + (" (cold: provisioning from scratch)" if args.cold else ""))
    moto, moto_cpu = [], []
    harnesses = {"this checkout": (None, Figures())}
    if args.baseline:
        harnesses[f"baseline {args.baseline}"] = (args.baseline, Figures())
    for _ in range(args.runs):
        seconds, cpu = bare_moto()
        moto.append(seconds)
        moto_cpu.append(cpu)
        for checkout, figures in harnesses.values():
            up = harness_up(args.tasks, args.cold, checkout, args.idle)
            figures.add(*up, moto[-1], moto_cpu[-1])
    print(row("bare moto server, first answer", moto, " s"))
    print(row("CPU: bare moto server", moto_cpu, " s"))
    for name, (_, figures) in harnesses.items():
        print(f"\n{name}:")
        figures.print(args.tasks)
    if args.baseline:
        this, base = (figures for _, figures in harnesses.values())
        for label, mine, theirs in (("up", this.up, base.up), ("CPU", this.cpu, base.cpu)):
            per_round = [a / b for a, b in zip(mine, theirs, strict=True)]
            print(row(f"this / baseline, {label} (per round)", per_round, "x"))
    print(f"\nafter: {load_note()}")


if __name__ == "__main__":
    main()
