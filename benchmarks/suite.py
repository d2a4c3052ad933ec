"""The test suite's wall time and CPU: scenarios alone, or unit + e2e together as `./dev test`
runs them (`--animehub-gate`, work stealing, tasks as processes), on each worker count given,
with the slowest tests of the last run, by wall time and by CPU. Prints figures; it is not a
test.

    .venv/bin/python benchmarks/suite.py [--runs 3] [--workers 1,3] [--only scenarios] [--top 15]

The worker counts of one round run one after another, round after round, so that a change in
the machine's load falls on every count alike: compare counts within this script's output, not
with a figure taken at another time. CPU is user + system time of pytest and every process it
started (its workers, stacks, tasks, browsers), so `cpu / wall` over the machine's cores says
how much of the run was spent waiting. A test's CPU (cpu_per_test.py, a plugin loaded into each
worker) is its worker's and every process below it, setup, call and teardown together: on
2 cores the suite is CPU-bound, so the tests that cost CPU are the ones worth making cheaper,
which the slowest by wall are not always.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cpu_per_test
from benchlib import header, load_note

ROOT = Path(__file__).resolve().parent.parent
SUITES = {
    "scenarios": ["scenarios"],
    "all": [],  # testpaths from pyproject: unit and e2e together, as `./dev test` runs them
}
HERE = Path(__file__).resolve().parent


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(
    paths: list[str], workers: int, results: Path, per_test: Path
) -> tuple[float, float, str, int]:
    """One run: wall seconds, CPU seconds, pytest's output, its exit status; each test's wall
    time and CPU in `per_test`."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "--animehub-gate",
        "-p",
        "cpu_per_test",
        "--animehub-results-dir",
        str(results),
    ]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "worksteal"]
    # As `./dev test` runs it: tasks as host processes, compiled bytecode kept.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("ANIMEHUB_TASK_RUNTIME", "process")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env[cpu_per_test.DIRECTORY] = str(per_test)
    cpu = _children_cpu()
    began = time.perf_counter()
    done = subprocess.run(command + paths, cwd=ROOT, capture_output=True, text=True, env=env)
    return time.perf_counter() - began, _children_cpu() - cpu, done.stdout, done.returncode


def _worker_counts(text: str) -> list[int]:
    try:
        counts = sorted({int(part) for part in text.split(",")})
    except ValueError:
        counts = []
    if not counts or counts[0] < 1:
        raise SystemExit(f"--workers: {text!r} is not a list of worker counts like 1,3 or 3,4,6")
    return counts


def _failures(output: str, most: int = 10) -> list[str]:
    """pytest's short summary lines of a failed run (`FAILED ...`, `ERROR ...`)."""
    return [line for line in output.splitlines() if line.startswith(("FAILED", "ERROR"))][:most]


def _print_slowest(tests: list[dict], top: int) -> None:
    if not tests:
        return
    total = sum(t["cpu"] for t in tests)
    for key, title in (("wall", "wall time"), ("cpu", "CPU (the worker and its descendants)")):
        print(f"\nslowest by {title} in the last run (of {len(tests)} tests, {total:.0f} s CPU):")
        print(f"  {'wall s':>7} {'cpu s':>7}  test")
        for test in sorted(tests, key=lambda t: t[key], reverse=True)[:top]:
            print(f"  {test['wall']:>7.1f} {test['cpu']:>7.1f}  {test['test']}")


def _print_workers(tests: list[dict], started: float, last: int = 3) -> None:
    """Each worker's busy time, when it ran out of tests (seconds after pytest started) and the
    tests it ran last: a costly test begun late runs alone while the other workers sit idle."""
    by_worker: dict[str, list[dict]] = {}
    for test in tests:
        if "began" in test:
            by_worker.setdefault(test["worker"], []).append(test)
    if not by_worker:
        return
    ends = {w: max(t["began"] + t["wall"] for t in ts) for w, ts in by_worker.items()}
    print(
        f"\nworkers in the last run (seconds after pytest started; the run's end is at "
        f"{max(ends.values()) - started:.0f} s):"
    )
    for worker, ran in sorted(by_worker.items()):
        first = min(t["began"] for t in ran) - started
        busy = sum(t["wall"] for t in ran)
        print(
            f"  {worker}: {len(ran)} tests, first began at {first:.0f} s, busy {busy:.0f} s, "
            f"done at {ends[worker] - started:.0f} s; its last tests:"
        )
        for test in sorted(ran, key=lambda t: t["began"])[-last:]:
            at = test["began"] - started
            print(f"    at {at:>5.0f} s for {test['wall']:>5.1f} s  {test['test']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workers", default="1,3", help="worker counts to compare, e.g. 3,4,6 (1: no xdist)"
    )
    parser.add_argument("--only", choices=sorted(SUITES))
    parser.add_argument("--top", type=int, default=15, help="slowest tests printed (default 15)")
    args = parser.parse_args()
    counts = _worker_counts(args.workers)

    header("suite")
    results = Path(tempfile.mkdtemp(prefix="animehub-bench-"))
    names = [args.only] if args.only else list(SUITES)
    per_test = results / "per-test"
    print(
        f"{'suite':<10} {'workers':>7} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} "
        f"{'cpu s':>7}  ok"
    )
    for name in names:
        walls: dict[int, list[float]] = {n: [] for n in counts}
        cpus: dict[int, list[float]] = {n: [] for n in counts}
        failures = dict.fromkeys(counts, 0)
        for round_number in range(args.runs):
            for workers in counts:
                shutil.rmtree(per_test, ignore_errors=True)
                per_test.mkdir()
                started = time.time()
                seconds, cpu, output, code = run(SUITES[name], workers, results, per_test)
                walls[workers].append(seconds)
                cpus[workers].append(cpu)
                failures[workers] += code != 0
                print(
                    f"  round {round_number + 1}, {name} on {workers}: {seconds:.1f} s, "
                    f"cpu {cpu:.1f} s, exit {code}; {load_note()}",
                    flush=True,
                )
                for line in _failures(output):
                    print(f"    {line}")
        for workers in counts:
            times = walls[workers]
            print(
                f"{name:<10} {workers:>7} {args.runs:>4} {statistics.median(times):>9.1f} "
                f"{min(times):>7.1f} {max(times):>7.1f} {statistics.median(cpus[workers]):>7.1f}"
                f"  {args.runs - failures[workers]}/{args.runs}"
            )
    tests = cpu_per_test.read(per_test)
    _print_slowest(tests, args.top)
    _print_workers(tests, started)
    print(f"\nresults (logs, stacks): {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
