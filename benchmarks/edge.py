"""Latency (p50, p99) and throughput through the edge and straight to the origin, same run.

    .venv/bin/python benchmarks/edge.py [--requests 400] [--concurrency 16]

Brings a stack up with `harness up --detach` in a temporary run directory, measures
`GET /api/anime` (edge -> ALB -> task, against one task directly) and a cached static file
(edge cache hit, against the S3 emulator directly), prints figures and ratios, and takes the
stack down. It is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time

import httpx


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def latency(url: str, requests: int) -> list[float]:
    samples = []
    with httpx.Client(trust_env=False, timeout=10) as client:
        client.get(url).raise_for_status()
        for _ in range(requests):
            began = time.perf_counter()
            client.get(url).raise_for_status()
            samples.append(time.perf_counter() - began)
    return samples


async def _throughput(url: str, requests: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(trust_env=False, timeout=10, limits=limits) as client:
        remaining = iter(range(requests))

        async def worker() -> None:
            for _ in remaining:
                (await client.get(url)).raise_for_status()

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - began)


def throughput(url: str, requests: int, concurrency: int) -> float:
    return asyncio.run(_throughput(url, requests, concurrency))


def a_task_url(status: dict) -> str:
    """The first running task's own address, from the ECS agent's part of `status --json`."""
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

    walk(status["components"]["ecs_agent"])
    if not found:
        raise SystemExit("no running task found in the ECS agent's status")
    return found[0]


def measure(label: str, url: str, args) -> tuple[float, float, float]:
    samples = latency(url, args.requests)
    rps = throughput(url, args.requests, args.concurrency)
    p50, p99 = percentile(samples, 50) * 1000, percentile(samples, 99) * 1000
    print(f"{label:<34} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   {rps:8.0f} req/s")
    return p50, p99, rps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    harness = [sys.executable, "-m", "harness"]
    with tempfile.TemporaryDirectory(prefix="animehub-bench-") as run_dir:
        up = subprocess.run([*harness, "up", "--detach", "--run-dir", run_dir], capture_output=True)
        if up.returncode != 0:
            raise SystemExit(up.stderr.decode().strip().splitlines()[-1])
        try:
            status = json.loads(
                subprocess.run(
                    [*harness, "status", "--json", "--run-dir", run_dir],
                    capture_output=True,
                    check=True,
                ).stdout
            )
            edge = status["edge_url"]
            s3 = status["endpoints"]["s3"]
            web_bucket = status["resources"]["web_bucket"]
            s3_client = httpx.Client(trust_env=False)
            key = "bench/static.css"
            # A static file of our own, so the figures do not depend on what the web stub ships.
            put = s3_client.put(f"{s3}/{web_bucket}/{key}", content=b"body{}" * 500)
            put.raise_for_status()

            api_edge = measure("GET /api/anime via edge", edge + "/api/anime", args)
            api_task = measure(
                "GET /api/anime straight to a task", a_task_url(status) + "/api/anime", args
            )
            static_edge = measure("static file via edge (cache hit)", f"{edge}/{key}", args)
            static_s3 = measure("static file straight from S3", f"{s3}/{web_bucket}/{key}", args)
        finally:
            subprocess.run([*harness, "down", "--run-dir", run_dir], capture_output=True)

    print()
    print(
        f"api via edge / direct:    p50 x{api_edge[0] / api_task[0]:.2f}   "
        f"throughput x{api_edge[2] / api_task[2]:.2f}"
    )
    print(
        f"static via edge / S3:     p50 x{static_edge[0] / static_s3[0]:.2f}   "
        f"throughput x{static_edge[2] / static_s3[2]:.2f}"
    )
    print(
        f"(p50/p99 of {args.requests} sequential requests; throughput at concurrency "
        f"{args.concurrency}; one run on this machine)"
    )


if __name__ == "__main__":
    main()
