"""The test suite's wall time: scenarios alone, and unit + e2e together, serial and under
pytest-xdist, with the slowest tests of the last run. Prints figures; it is not a test.

    .venv/bin/python benchmarks/suite.py [--runs 3] [--workers 3] [--only scenarios]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import header

ROOT = Path(__file__).resolve().parent.parent
SUITES = {
    "scenarios": ["scenarios"],
    "all": [],  # testpaths from pyproject: unit and e2e together, as `./dev test` runs them
}
DURATION = re.compile(r"^\s*(\d+\.\d+)s (call|setup|teardown)\s+(\S+)")


def run(paths: list[str], workers: int, results: Path) -> tuple[float, str, int]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "--durations=5",
        "--animehub-results-dir",
        str(results),
    ]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "worksteal"]
    began = time.perf_counter()
    done = subprocess.run(command + paths, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - began, done.stdout, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--only", choices=sorted(SUITES))
    args = parser.parse_args()

    header("suite")
    results = Path(tempfile.mkdtemp(prefix="animehub-bench-"))
    names = [args.only] if args.only else list(SUITES)
    slowest: list[str] = []
    print(f"{'suite':<10} {'workers':>7} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7}  ok")
    for name in names:
        for workers in sorted({1, args.workers}):
            times, failures = [], 0
            for _ in range(args.runs):
                seconds, output, code = run(SUITES[name], workers, results)
                times.append(seconds)
                failures += code != 0
                slowest = [
                    m.group(0).strip() for m in map(DURATION.match, output.splitlines()) if m
                ]
            print(
                f"{name:<10} {workers:>7} {args.runs:>4} {statistics.median(times):>9.1f} "
                f"{min(times):>7.1f} {max(times):>7.1f}  {args.runs - failures}/{args.runs}"
            )
    if slowest:
        print("\nslowest in the last run:")
        for line in slowest:
            print(f"  {line}")
    print(f"\nresults (logs, stacks): {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
