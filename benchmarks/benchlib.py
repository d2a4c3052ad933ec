"""What the benchmarks share: a detached stack in a temporary run dir, latency and throughput
on loopback, min/median/max over rounds, and the memory of every process of a stack.

Benchmarks print figures; nothing here asserts a time. Load stays on 127.0.0.1 and is bounded
by a request count and a time-out per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

HARNESS = [sys.executable, "-m", "harness"]
REQUEST_TIMEOUT = 10.0


def load_note() -> str:
    """The machine's load, printed with every figure: timings on a shared box are relative."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores"


def header(title: str) -> None:
    print(f"{title} -- {time.strftime('%Y-%m-%d %H:%M %Z')}, {load_note()}")


def spread(samples: list[float]) -> tuple[float, float, float]:
    return min(samples), statistics.median(samples), max(samples)


def row(label: str, samples: list[float], unit: str = "", fmt: str = "{:.2f}") -> str:
    low, mid, high = spread(samples)
    f = lambda v: fmt.format(v) + unit  # noqa: E731
    return (
        f"{label:<44} median {f(mid):>11}   min {f(low):>11}   max {f(high):>11}   "
        f"(n={len(samples)})"
    )


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


# -- a stack to measure -------------------------------------------------------------------


@contextlib.contextmanager
def detached_stack(*extra: str) -> Iterator[dict]:
    """`harness up --detach` in a temporary run dir; yields `harness status --json`."""
    with tempfile.TemporaryDirectory(prefix="animehub-bench-") as run_dir:
        up = subprocess.run(
            [*HARNESS, "up", "--detach", "--run-dir", run_dir, *extra],
            capture_output=True,
            text=True,
        )
        try:
            if up.returncode != 0:
                lines = up.stderr.strip().splitlines() or [f"exit status {up.returncode}"]
                raise SystemExit(f"harness up failed: {lines[-1]}")
            yield status(run_dir)
        finally:
            subprocess.run([*HARNESS, "down", "--run-dir", run_dir], capture_output=True)


def status(run_dir: str) -> dict:
    done = subprocess.run(
        [*HARNESS, "status", "--json", "--run-dir", run_dir], capture_output=True, check=True
    )
    return json.loads(done.stdout)


def task_urls(doc: dict) -> list[str]:
    """The running tasks' own addresses, from the ECS agent's part of `status --json`."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("port"), int) and value.get("pid"):
                found.append(f"http://{value.get('host', '127.0.0.1')}:{value['port']}")
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(doc["components"]["ecs_agent"])
    if not found:
        raise SystemExit("no running task found in the ECS agent's status")
    return found


# -- load on loopback ---------------------------------------------------------------------


def latency(url: str, requests: int, headers: dict | None = None, verify=True) -> list[float]:
    """Seconds per request, one after another on one keep-alive connection. `verify`: for the
    edge's HTTPS, `harness.plumbing.local_ca.trusting(status["edge_ca"])`."""
    samples = []
    with httpx.Client(
        trust_env=False, timeout=REQUEST_TIMEOUT, headers=headers, verify=verify
    ) as client:
        client.get(url).raise_for_status()
        for _ in range(requests):
            began = time.perf_counter()
            client.get(url).raise_for_status()
            samples.append(time.perf_counter() - began)
    return samples


async def _throughput(url: str, requests: int, concurrency: int, verify) -> float:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        trust_env=False, timeout=REQUEST_TIMEOUT, limits=limits, verify=verify
    ) as c:
        remaining = iter(range(requests))

        async def worker() -> None:
            for _ in remaining:
                (await c.get(url)).raise_for_status()

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - began)


def throughput(url: str, requests: int, concurrency: int, verify=True) -> float:
    """Requests per second with `concurrency` requests in flight."""
    return asyncio.run(_throughput(url, requests, concurrency, verify))


# -- CPU ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- memory -------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def process_tree(root: int) -> list[int]:
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; PSS splits shared pages among their sharers."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def process_name(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in argv if a]
    if "-m" in words:
        return " ".join(words[words.index("-m") + 1 :][:2])
    return " ".join(Path(w).name for w in words[:2])
