"""How long `harness up --detach` takes to a ready stack, next to a bare moto server's time to
its first answer, in the same run. Prints figures; it is not a test.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--tasks 2]

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
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchlib import HARNESS, header, row, status


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a running process and of its running children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


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


def harness_up(tasks: int, cold: bool) -> tuple[float, float, dict[str, float]]:
    """Seconds to a ready stack, CPU seconds spent to get there, the stack's step timings."""
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
        )
        elapsed = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        try:
            if up.returncode != 0:
                raise SystemExit(f"harness up failed: {up.stderr.strip().splitlines()[-1]}")
            # At once: a running stack keeps spending CPU (health checks, pollers).
            pid = json.loads((Path(run_dir) / "state.json").read_text())["pid"]
            cpu = cli + cpu_seconds(int(pid))
            steps = status(run_dir).get("timings") or {}
        finally:
            subprocess.run([*HARNESS, "down", "--run-dir", run_dir], capture_output=True)
        return elapsed, cpu, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument(
        "--cold", action="store_true", help="an empty snapshot cache each round: provision"
    )
    args = parser.parse_args()

    header("start-up" + (" (cold: provisioning from scratch)" if args.cold else ""))
    moto, moto_cpu, up, up_cpu, ratios, cpu_ratios = [], [], [], [], [], []
    steps: dict[str, list[float]] = {}
    for _ in range(args.runs):
        seconds, cpu = bare_moto()
        moto.append(seconds)
        moto_cpu.append(cpu)
        seconds, cpu, timings = harness_up(args.tasks, args.cold)
        up.append(seconds)
        up_cpu.append(cpu)
        ratios.append(seconds / moto[-1])
        cpu_ratios.append(cpu / moto_cpu[-1])
        for step, value in timings.items():
            steps.setdefault(step, []).append(value)
    print(row("bare moto server, first answer", moto, " s"))
    print(row(f"harness up --detach to ready ({args.tasks} tasks)", up, " s"))
    print(row("ratio up / bare moto (per round)", ratios, "x"))
    print(row("CPU: bare moto server", moto_cpu, " s"))
    print(row("CPU: harness up (CLI, stack, tasks)", up_cpu, " s"))
    print(row("CPU ratio up / bare moto (per round)", cpu_ratios, "x"))
    print("\nsteps inside the stack, longest first (median s):")
    for step, values in sorted(steps.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"  {statistics.median(values):6.2f}  {step}")


if __name__ == "__main__":
    main()
