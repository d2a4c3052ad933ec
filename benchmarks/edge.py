"""Latency and throughput through the edge, next to the origin it fronts, in the same run.

    .venv/bin/python benchmarks/edge.py [--rounds 5] [--requests 300] [--concurrency 16]

Brings a stack up with `harness up --detach` in a temporary run directory. Each round measures
`GET /api/anime` through edge + ALB and straight to one task, then a static file that is a
cache hit at the edge and the same object straight from the S3 emulator, one right after the
other, so each ratio sees the same load. Prints min/median/max over the rounds; never asserts.
A hit under `/media/*` (a behaviour with no CloudFront Function) is measured too: the
difference in CPU per hit is what the default behaviour's viewer-request function costs.

The load client is `loadgen.py` (warm keep-alive connections on asyncio streams): httpx spent
more CPU per request than the edge does on a hit. `--client-check` first measures the client
alone against a trivial server. The edge's own CPU per cache hit (its process's user + system
time over the requests) is printed too: on a shared machine it says what a hit costs where
req/s mostly says how busy the other cores are. So is the harness process's CPU per API request
on each path: the ALB runs there, beside the emulator that serves the tasks, on one GIL, so the
difference between the two paths is what the ALB takes from the emulator. The edge's CPU per
API request is printed as well: its forwarding to the custom origin (the ALB). The harness's own
background work (health checks, tickers, pollers: its CPU over a few idle seconds first) is
taken out in proportion to each measurement's duration, so a slower path is not charged more.
"""

from __future__ import annotations

import argparse
import time

import httpx
from benchlib import cpu_seconds, detached_stack, header, percentile, row, task_urls
from loadgen import latency, throughput, trivial_server

from harness.plumbing.local_ca import trusting

STATIC_KEY = "bench/static.css"
IDLE_SECONDS = 5.0
MEDIA_KEY = "media/bench/static.css"  # under /media/*: the same hit, no viewer-request function
STATIC_BODY = b"body{}" * 500


API = "api via edge+ALB"
HIT = "static via edge (cache hit)"
MEDIA_HIT = "media via edge (cache hit, no function)"


def measure(url: str, args, verify) -> tuple[float, float]:
    """(p50 in ms, req/s at the given concurrency)."""
    samples = latency(url, args.requests, verify=verify)
    rate = throughput(url, args.requests, args.concurrency, verify=verify)
    return percentile(samples, 50) * 1000, rate


def client_check(args) -> None:
    """The client alone against a trivial HTTP server: its ceiling for the figures below."""
    with trivial_server() as url:
        samples = latency(url, args.requests)
        rate = throughput(url, args.requests, args.concurrency)
    print(
        f"client ceiling (trivial server, plain HTTP): p50 {percentile(samples, 50) * 1000:.2f} ms,"
        f" {rate:.0f} req/s at c={args.concurrency}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--client-check", action="store_true", help="measure the client first")
    args = parser.parse_args()

    header("edge")
    if args.client_check:
        client_check(args)
    paths = {
        "api via edge+ALB": [],
        "api straight to a task": [],
        "static via edge (cache hit)": [],
        "static straight from S3": [],
        "media via edge (cache hit, no function)": [],
    }
    with detached_stack() as status:
        edge, s3 = status["edge_url"], status["endpoints"]["s3"]
        bucket = status["resources"]["web_bucket"]
        # A static file of our own, so the figures do not depend on what the web stub ships.
        httpx.put(f"{s3}/{bucket}/{STATIC_KEY}", content=STATIC_BODY, trust_env=False)
        media = status["resources"]["media_bucket"]
        httpx.put(f"{s3}/{media}/{MEDIA_KEY}", content=STATIC_BODY, trust_env=False)
        urls = {
            "api via edge+ALB": f"{edge}/api/anime",
            "api straight to a task": f"{task_urls(status)[0]}/api/anime",
            "static via edge (cache hit)": f"{edge}/{STATIC_KEY}",
            "static straight from S3": f"{s3}/{bucket}/{STATIC_KEY}",
            "media via edge (cache hit, no function)": f"{edge}/{MEDIA_KEY}",
        }
        edge_pid = status["components"]["edge"].get("pid")
        harness_pid = status["pid"]
        edge_cpu: dict[str, list[float]] = {HIT: [], MEDIA_HIT: [], API: []}
        harness_cpu: dict[str, list[float]] = {"api via edge+ALB": [], "api straight to a task": []}
        # latency() and throughput() each send one warm-up request more.
        sent = 2 * args.requests + 1 + args.concurrency
        idle_began, idle_cpu = time.monotonic(), cpu_seconds(harness_pid)
        time.sleep(IDLE_SECONDS)  # a measurement: nothing is sent meanwhile
        background = (cpu_seconds(harness_pid) - idle_cpu) / (time.monotonic() - idle_began)
        for _ in range(args.rounds):
            for name, url in urls.items():
                before = cpu_seconds(edge_pid) if edge_pid else 0.0
                harness_before, began = cpu_seconds(harness_pid), time.monotonic()
                paths[name].append(measure(url, args, trusting(status.get("edge_ca"))))
                if name in harness_cpu:
                    spent = cpu_seconds(harness_pid) - harness_before
                    spent -= background * (time.monotonic() - began)
                    harness_cpu[name].append(spent / sent * 1000)
                if edge_pid and name in edge_cpu:
                    edge_cpu[name].append((cpu_seconds(edge_pid) - before) / sent * 1000)

    def p50(name):
        return [p for p, _ in paths[name]]

    def rps(name):
        return [r for _, r in paths[name]]

    def ratio(a, b, of):
        return [x / y for x, y in zip(of(a), of(b), strict=True)]

    for name in paths:
        print(row(f"{name}: p50", p50(name), " ms"))
        print(row(f"{name}: req/s (c={args.concurrency})", rps(name), "", "{:.0f}"))
    print()
    api, task = API, "api straight to a task"
    hit, s3_ = HIT, "static straight from S3"
    print(row("api p50 edge/direct (goal <= 1.3x)", ratio(api, task, p50), "x"))
    print(row("api throughput edge/direct (goal >= 0.7x)", ratio(api, task, rps), "x"))
    print(row("cache hit p50 (goal <= 1 ms)", p50(hit), " ms"))
    print(row("cache hit req/s (goal >= 2000)", rps(hit), "", "{:.0f}"))
    print(row("cache hit p50 edge/S3", ratio(hit, s3_, p50), "x"))
    if edge_cpu[HIT]:
        print(row("edge process CPU per cache hit (HTTPS)", edge_cpu[HIT], " ms", "{:.3f}"))
        print(row("  same, /media/* (no function)", edge_cpu[MEDIA_HIT], " ms", "{:.3f}"))
        function = [a - b for a, b in zip(edge_cpu[HIT], edge_cpu[MEDIA_HIT], strict=True)]
        print(row("  the viewer-request function's share", function, " ms", "{:.3f}"))
        print(row("edge process CPU per API request (to the ALB)", edge_cpu[API], " ms", "{:.3f}"))
    print(f"harness process CPU when idle: {background * 1000:.0f} ms/s (taken out below)")
    print(row("harness CPU per request, api via edge+ALB", harness_cpu[api], " ms"))
    print(row("  same, api straight to a task", harness_cpu[task], " ms"))
    alb_share = [a - t for a, t in zip(harness_cpu[api], harness_cpu[task], strict=True)]
    print(row("  the difference: the ALB's share", alb_share, " ms"))
    print(
        f"(per round: p50 of {args.requests} sequential requests on one connection, then "
        f"{args.requests} requests at concurrency {args.concurrency})"
    )


if __name__ == "__main__":
    main()
