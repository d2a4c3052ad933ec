"""What a CloudFront function costs the edge per request: the SPA routing function on V8
(mini-racer), called as the edge calls it (event built, run off the loop, request rebuilt).

    .venv/bin/python benchmarks/edge_functions.py [--rounds 5] [--requests 2000]

In-process, no stack: prints min/median/max over the rounds of the per-call time, for the
engine alone (`EdgeFunction.invoke`) and for the whole viewer-request hook; never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from benchlib import header, row

from harness.control_plane.spa_routing import spa_routing_code
from harness.data_plane.edge.functions.hook import function_event, run_viewer_request
from harness.data_plane.edge.functions.runtime import EdgeFunction
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


def per_call_us(call, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        call()
    return (time.perf_counter() - started) / requests * 1e6


async def hook_us(function: EdgeFunction, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        await run_viewer_request(function, REQUEST, CONTEXT)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    header("CloudFront Functions at the edge (per request)")
    function = EdgeFunction("spa", "arn:aws:cloudfront::123456789012:function/spa",
                            spa_routing_code("index.html"))  # fmt: skip
    event = function_event(CONTEXT, "viewer-request", REQUEST)
    started = time.perf_counter()
    function.invoke(event)  # loads and compiles
    print(f"first call (context + compile): {(time.perf_counter() - started) * 1000:.1f} ms")
    engine, hook = [], []
    for _ in range(args.rounds):
        engine.append(per_call_us(lambda: function.invoke(event), args.requests))
        hook.append(asyncio.run(hook_us(function, args.requests)))
    print(row("V8 invoke", engine, " us", "{:.0f}"))
    print(row("viewer-request hook (event, thread, request)", hook, " us", "{:.0f}"))
    function.close()


if __name__ == "__main__":
    main()
