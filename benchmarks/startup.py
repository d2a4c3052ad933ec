"""How long `harness up --detach` takes to a ready stack, next to a bare moto server's time to
its first answer, on this machine in this run. Prints figures; it is not a test.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--tasks 2]
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


def harness_up(tasks: int) -> float:
    with tempfile.TemporaryDirectory(prefix="animehub-bench-") as run_dir:
        harness = [sys.executable, "-m", "harness"]
        began = time.perf_counter()
        up = subprocess.run(
            [*harness, "up", "--detach", "--run-dir", run_dir, "--tasks", str(tasks)],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - began
        subprocess.run([*harness, "down", "--run-dir", run_dir], capture_output=True)
        if up.returncode != 0:
            raise SystemExit(f"harness up failed: {up.stderr.strip().splitlines()[-1]}")
        return elapsed


def describe(name: str, samples: list[float]) -> str:
    return (
        f"{name:<28} median {statistics.median(samples):6.2f}s   "
        f"min {min(samples):6.2f}s   max {max(samples):6.2f}s   (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=2)
    args = parser.parse_args()

    moto = [bare_moto() for _ in range(args.runs)]
    up = [harness_up(args.tasks) for _ in range(args.runs)]
    print(describe("bare moto server, first answer", moto))
    print(describe(f"harness up --detach ({args.tasks} tasks)", up))
    ratio = statistics.median(up) / statistics.median(moto)
    print(f"{'ratio (median up / median moto)':<28} {ratio:.1f}x")


if __name__ == "__main__":
    main()
