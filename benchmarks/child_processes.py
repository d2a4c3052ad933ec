"""What a Python child process of the tests costs: a `harness` CLI call, and a pytest run of one
trivial test (alone and with two xdist workers), each with no bytecode cache (as under
PYTHONDONTWRITEBYTECODE=1, where every pytest child rewrites the asserts of harness/ and of each
plugin's package again) and with the shared cache the tests give their children
(tests/conftest.py: python_subprocess_env). Prints figures; it is not a test.

    .venv/bin/python benchmarks/child_processes.py [--runs 5]

Figures are CPU seconds (user + system, the child and everything it waited for), which a
loaded machine inflates far less than wall time; wall time is printed next to them.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import header, row

CASES = {
    "harness --version": [sys.executable, "-m", "harness", "--version"],
    "pytest, one test": [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"],
    "pytest -n 2, one test": [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-n", "2"],
}


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def measure(command: list[str], env: dict[str, str], folder: Path) -> tuple[float, float]:
    began, cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, cwd=folder, env=env, capture_output=True, check=True)
    return children_cpu() - cpu, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    header("child processes")
    folder = Path(tempfile.mkdtemp(prefix="animehub-bench-"))
    (folder / "test_one.py").write_text("def test_one():\n    pass\n")
    plain = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ANIMEHUB_"))}
    uncached = {**plain, "PYTHONDONTWRITEBYTECODE": "1"}
    cached = {k: v for k, v in plain.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    for name, command in CASES.items():
        measure(command, cached, folder)  # fills the cache once, as a run's first child does
        for label, env in (("no cache", uncached), ("shared cache", cached)):
            samples = [measure(command, env, folder) for _ in range(args.runs)]
            print(row(f"{name} ({label}), CPU", [cpu for cpu, _ in samples], " s"))
            print(row(f"{name} ({label}), wall", [wall for _, wall in samples], " s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
