"""What a CloudFront function costs the edge per request: the SPA routing function on QuickJS
(quickjs-ng), called as the edge calls it (event built, QuickJS on the listener's thread, request
rebuilt).

    .venv/bin/python benchmarks/edge_functions.py [--rounds 5] [--requests 2000]

In-process, no stack: prints min/median/max over the rounds of the per-call time, for the
engine alone (`EdgeFunction.invoke`) and for the whole viewer-request hook; never asserts.
Each call gets a request id of its own, as at the edge: an event that never changes would let
an engine reuse work a real request cannot.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from benchlib import header, row

from harness.control_plane.spa_routing import spa_routing_code
from harness.data_plane.edge.functions.hook import function_event, run_viewer_request
from harness.data_plane.edge.functions.runtime import EdgeFunction
from harness.data_plane.edge.responses import new_request_id
from harness.data_plane.edge.viewer import ViewerRequest

REQUEST = ViewerRequest(
    method="GET",
    path="/anime/0123456789abcdef0123456789abcdef",
    query="ref=share",
    headers=(("host", "d111111abcdef8.cloudfront.net"), ("accept", "text/html"),
             ("cookie", "session=abc; theme=dark"), ("user-agent", "bench")),
    client_ip="127.0.0.1",
)  # fmt: skip
CONTEXT = {"distributionDomainName": "d111111abcdef8.cloudfront.net", "distributionId": "E1"}


async def per_call_us(call, requests: int) -> tuple[float, float]:
    """(wall, CPU of this process and its threads, the engine's included) per call, in us."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        await call()
    wall = (time.perf_counter() - started) / requests * 1e6
    return wall, (time.process_time() - cpu) / requests * 1e6


def context() -> dict:
    return {**CONTEXT, "requestId": new_request_id()}


def event() -> dict:
    return function_event(context(), "viewer-request", REQUEST)


async def measure(function: EdgeFunction, args) -> dict[str, list]:
    started = time.perf_counter()
    await function.invoke(event())  # loads and compiles
    print(f"first call (context + compile): {(time.perf_counter() - started) * 1000:.1f} ms")
    found: dict[str, list] = {"engine": [], "hook": []}
    for _ in range(args.rounds):
        found["engine"].append(await per_call_us(lambda: function.invoke(event()), args.requests))
        found["hook"].append(
            await per_call_us(
                lambda: run_viewer_request(function, REQUEST, context()), args.requests
            )
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    header("CloudFront Functions at the edge (per request)")
    function = EdgeFunction("spa", "arn:aws:cloudfront::123456789012:function/spa",
                            spa_routing_code("index.html"))  # fmt: skip
    found = asyncio.run(measure(function, args))
    labels = {
        "engine": "QuickJS invoke (event built)",
        "hook": "viewer-request hook (event, QuickJS, request)",
    }
    for name, label in labels.items():
        print(row(f"{label}: wall", [w for w, _ in found[name]], " us", "{:.0f}"))
        print(row(f"{label}: CPU", [c for _, c in found[name]], " us", "{:.0f}"))
    function.close()


if __name__ == "__main__":
    main()
