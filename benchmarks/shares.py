"""Share load: N concurrent shares through the edge from M signed-in fans; none lost, none
doubled, shares per second. Prints figures; it is not a test.

    .venv/bin/python benchmarks/shares.py [--rounds 3] [--shares 500] [--fans 25] [--concurrency 50]
        [--profile DIR]

Brings a stack up with `harness up --detach`. Each round posts `--shares` new anime through the
edge (POST /api/anime, each fan in turn, `--concurrency` in flight, no retries: a retry could
double a share), then reads the whole feed back through the API and counts each title of the
round: a title missing is a lost share, a title twice a doubled one, an answer other than 201
a failed one.

`--profile DIR` records where the harness process spends its time while each round's shares
are posted (py-spy with --gil, raw collapsed stacks in DIR/round-N.txt; py-spy must be on PATH).

Each round also prints the CPU each process of the stack spent per share (user + system time
over the round's shares), and the benchmark client's own: on a shared machine shares/s mostly
says how busy the other cores are, CPU per share says what a share costs and where.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import subprocess
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import httpx
from benchlib import (
    REQUEST_TIMEOUT,
    cpu_seconds,
    detached_stack,
    header,
    process_name,
    process_tree,
    row,
)
from loadgen import Connection, request_bytes

from harness.lifecycle.attached_stack import endpoints_from_state
from harness.plumbing.local_ca import trusting
from harness.testkit.fans import create_fan

FEED_PAGE = 100
# Reading the feed back only checks the round; each page costs the emulator a query over every
# item the table holds, and shares the client gave up on may still be landing, so on a loaded
# machine a page can take more than REQUEST_TIMEOUT or answer 503. A read is safe to repeat.
FEED_TIMEOUT = 120.0
FEED_ATTEMPTS = 5


async def share_all(
    edge: str, fans, titles: list[str], concurrency: int, verify
) -> tuple[float, Counter]:
    """Seconds for every share, and the count of each status the edge answered. The client is
    loadgen's keep-alive connections (asyncio streams): httpx cost ~8 ms of CPU per share, as
    much as both API tasks together, on the same two cores as the stack."""
    statuses: Counter = Counter()
    url = edge.rstrip("/") + "/api/anime"
    connections = [Connection(edge, verify) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in connections))
    queue = iter(enumerate(titles))

    async def worker(connection: Connection) -> None:
        for index, title in queue:
            fan = fans[index % len(fans)]
            body = json.dumps({"title": title, "genres": ["mecha"], "year": 2024}).encode()
            headers = {**fan.auth_header, "Content-Type": "application/json"}
            request = request_bytes("POST", url, headers, body)
            try:
                status = await asyncio.wait_for(connection.send(request), REQUEST_TIMEOUT)
                statuses[status] += 1
            except (TimeoutError, OSError, EOFError) as exc:
                statuses[type(exc).__name__] += 1
                await connection.close()  # its state is unknown: a new one, no retry
                await connection.open()

    began = time.perf_counter()
    try:
        await asyncio.gather(*(worker(c) for c in connections))
        return time.perf_counter() - began, statuses
    finally:
        await asyncio.gather(*(c.close() for c in connections))


def stack_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of each process of the stack whose harness process is `root`."""
    return {pid: cpu_seconds(pid) for pid in process_tree(root)}


def cpu_per_share(root: int, before: dict[int, float], shares: int) -> dict[str, float]:
    """Milliseconds of CPU per share since `before`, by role: the harness process (emulator,
    ALB, AWS hop, API front), the edge process, the API tasks together."""
    spent: dict[str, float] = defaultdict(float)
    for pid, cpu in stack_cpu(root).items():
        name = process_name(pid)
        role = "harness process" if pid == root else "edge process" if "edge" in name else name
        role = "API tasks" if role.startswith("api") else role
        spent[role] += (cpu - before.get(pid, 0.0)) * 1000 / shares
    return spent


@contextlib.contextmanager
def profiled(pid: int, out: Path | None):
    """py-spy recording the process `pid` (only where the GIL is held) while the block runs."""
    if out is None:
        yield
        return
    command = ["py-spy", "record", "--gil", "--nonblocking", "-r", "100", "-f", "raw"]
    spy = subprocess.Popen(
        [*command, "-p", str(pid), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        spy.wait(60)


def feed_page(client: httpx.Client, params: dict) -> dict:
    for _ in range(FEED_ATTEMPTS):
        try:
            return client.get("/api/anime", params=params).raise_for_status().json()
        except httpx.HTTPError as exc:
            failure = exc
    raise SystemExit(f"reading the feed back failed {FEED_ATTEMPTS} times: {failure}")


def feed_titles(base_url: str, prefix: str, verify) -> Counter:
    """Every title in the feed that starts with `prefix`, with how often it appears."""
    seen: Counter = Counter()
    cursor = None
    with httpx.Client(
        base_url=base_url, trust_env=False, timeout=FEED_TIMEOUT, verify=verify
    ) as client:
        while True:
            params = {"limit": FEED_PAGE} | ({"cursor": cursor} if cursor else {})
            page = feed_page(client, params)
            seen.update(i["title"] for i in page["items"] if i["title"].startswith(prefix))
            cursor = page.get("next_cursor")
            if not cursor:
                return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shares", type=int, default=500)
    parser.add_argument("--fans", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--profile", type=Path, metavar="DIR")
    args = parser.parse_args()
    if args.profile is not None:
        if shutil.which("py-spy") is None:
            raise SystemExit("--profile: py-spy is not on PATH (pip install py-spy)")
        args.profile.mkdir(parents=True, exist_ok=True)

    header("share load")
    rates, lost, doubled, failed = [], [], [], []
    cpu: dict[str, list[float]] = defaultdict(list)
    with detached_stack() as status:
        edge = status["edge_url"]
        resources = status["resources"]
        cognito = endpoints_from_state(status).client("cognito-idp")
        fans = [
            create_fan(cognito, resources["user_pool_id"], resources["user_pool_client_id"])
            for _ in range(args.fans)
        ]
        for number in range(1, args.rounds + 1):
            prefix = f"bench-{uuid.uuid4().hex[:8]}-"
            titles = [f"{prefix}{n}" for n in range(args.shares)]
            verify = trusting(status.get("edge_ca"))
            shares = share_all(edge, fans, titles, args.concurrency, verify)
            before, client_before = stack_cpu(status["pid"]), time.process_time()
            profile = args.profile / f"round-{number}.txt" if args.profile else None
            with profiled(status["pid"], profile):
                seconds, statuses = asyncio.run(shares)
            client_ms = (time.process_time() - client_before) * 1000 / args.shares
            cpu["benchmark client"].append(client_ms)
            for role, ms in cpu_per_share(status["pid"], before, args.shares).items():
                cpu[role].append(ms)
            seen = feed_titles(edge, prefix, verify)
            rates.append(args.shares / seconds)
            lost.append(sum(1 for t in titles if t not in seen))
            doubled.append(sum(1 for n in seen.values() if n > 1))
            failed.append(args.shares - statuses.get(201, 0))
            print(f"  round: {seconds:.1f}s, answers {dict(statuses)}")
    print(
        row(
            f"shares/s ({args.shares} shares, {args.fans} fans, c={args.concurrency})",
            rates,
            "",
            "{:.0f}",
        )
    )
    print(row("shares lost (not in the feed)", lost, "", "{:.0f}"))
    print(row("shares doubled (in the feed twice)", doubled, "", "{:.0f}"))
    print(row("shares answered other than 201", failed, "", "{:.0f}"))
    for role, samples in cpu.items():
        print(row(f"CPU per share: {role}", samples, " ms", "{:.1f}"))


if __name__ == "__main__":
    main()
