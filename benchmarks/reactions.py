"""How fast the stack reacts, figures the tests used to assert as budgets (a push within 1 s,
a killed task replaced within 5 s) and now only wait for: a share's push reaching the
follower's device, and a killed API task replaced and healthy. One in-process stack on the
embedded backend. Prints figures; it is not a test.

    .venv/bin/python benchmarks/reactions.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from harness.lifecycle.stack import Stack
from harness.settings import Settings
from harness.testkit.fans import create_fan


def push_latency(stack: Stack, runs: int) -> list[float]:
    cognito = stack.endpoints.client("cognito-idp")
    pool, client_id = stack.record.user_pool_id, stack.record.user_pool_client_id
    follower, sharer = create_fan(cognito, pool, client_id), create_fan(cognito, pool, client_id)
    genre = f"bench-{follower.device_id[:8]}"
    with httpx.Client(base_url=stack.edge_url, trust_env=False, timeout=60) as api:
        api.put(
            "/api/me/follows",
            json={"genres": [genre], "endpoint": stack.push_sink.device_url(follower.device_id)},
            headers=follower.auth_header,
        ).raise_for_status()
        stack.push_sink.wait_confirmed(follower.device_id, 60)  # SNS delivers after that
        figures = []
        for run in range(runs):
            title = f"bench {run}"
            began = time.perf_counter()
            api.post(
                "/api/anime",
                json={"title": title, "genres": [genre], "year": 2000},
                headers=sharer.auth_header,
            ).raise_for_status()
            stack.push_sink.wait_for(
                follower.device_id, lambda n, t=title: n["message"]["anime"]["title"] == t, 60
            )
            figures.append(time.perf_counter() - began)
    return figures


def replacement(stack: Stack) -> float:
    service = stack.record.service
    victim = next(
        t for t in stack.agent.health()["services"][service]["tasks"] if t["state"] == "RUNNING"
    )
    began = time.perf_counter()
    os.kill(victim["pid"], signal.SIGKILL)
    while victim["id"] in {
        t["id"]
        for t in stack.agent.health()["services"][service]["tasks"]
        if t["state"] == "RUNNING"
    }:
        time.sleep(0.02)
    stack.agent.wait_steady(120)
    return time.perf_counter() - began


def report(name: str, figures: list[float]) -> None:
    print(
        f"{name}: median {statistics.median(figures):.2f} s, "
        f"min {min(figures):.2f} s, max {max(figures):.2f} s ({len(figures)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with (
        tempfile.TemporaryDirectory(prefix="animehub-reactions-") as run_dir,
        Stack(Settings.from_env(run_dir=Path(run_dir))) as stack,
    ):
        report("push after a share", push_latency(stack, args.runs))
        report("killed task replaced and healthy", [replacement(stack) for _ in range(args.runs)])


if __name__ == "__main__":
    main()
