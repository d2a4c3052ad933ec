"""How long `harness up --detach` takes to a ready stack, next to a bare moto server's time to
its first answer, in the same run. Prints figures; it is not a test.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--tasks 2]

Each round starts a bare moto server, then the stack, one right after the other, so that the
ratio of the pair sees the same load on a shared machine; the ratio is given per round
(min/median/max), with the stack's own step timings (median) to show where the time goes.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from benchlib import HARNESS, header, row, status


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bare_moto() -> float:
    """A moto server process, from launch to its first answered request."""
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
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1).read()
                return time.perf_counter() - began
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None:
                    raise SystemExit("moto server exited before answering") from None
                time.sleep(0.01)
    finally:
        proc.terminate()
        proc.wait()


def harness_up(tasks: int) -> tuple[float, dict[str, float]]:
    """Seconds to a ready stack, and the stack's own timing of each step."""
    with tempfile.TemporaryDirectory(prefix="animehub-bench-") as run_dir:
        began = time.perf_counter()
        up = subprocess.run(
            [*HARNESS, "up", "--detach", "--run-dir", run_dir, "--tasks", str(tasks)],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - began
        try:
            if up.returncode != 0:
                raise SystemExit(f"harness up failed: {up.stderr.strip().splitlines()[-1]}")
            steps = status(run_dir).get("timings") or {}
        finally:
            subprocess.run([*HARNESS, "down", "--run-dir", run_dir], capture_output=True)
        return elapsed, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=2)
    args = parser.parse_args()

    header("start-up")
    moto, up, ratios = [], [], []
    steps: dict[str, list[float]] = {}
    for _ in range(args.runs):
        moto.append(bare_moto())
        seconds, timings = harness_up(args.tasks)
        up.append(seconds)
        ratios.append(seconds / moto[-1])
        for step, value in timings.items():
            steps.setdefault(step, []).append(value)
    print(row("bare moto server, first answer", moto, " s"))
    print(row(f"harness up --detach to ready ({args.tasks} tasks)", up, " s"))
    print(row("ratio up / bare moto (per round)", ratios, "x"))
    print("\nsteps inside the stack, longest first (median s):")
    for step, values in sorted(steps.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"  {statistics.median(values):6.2f}  {step}")


if __name__ == "__main__":
    main()
