"""Whole-stack memory: RSS and PSS summed over every process of a detached stack (the harness
process and every child, API tasks included), whatever the process layout. Not a test.

    .venv/bin/python benchmarks/memory.py [--rounds 3] [--tasks 2] [--requests 200]

Each round brings a stack up, sends `--requests` GETs of /api/anime through the edge so the
figures are of a stack that has served, reads /proc for the stack's process tree and takes the
stack down. RSS counts a page shared by two processes twice; PSS splits it between them, so
PSS is the stack's real share of the machine's memory. Both are printed.
"""

from __future__ import annotations

import argparse

import httpx
from benchlib import REQUEST_TIMEOUT, detached_stack, header, memory_kib, process_name, process_tree
from benchlib import row as spread_row

from harness.plumbing.local_ca import trusting


def measure(tasks: int, requests: int) -> tuple[float, float, list[tuple[str, int, int]]]:
    with detached_stack("--tasks", str(tasks)) as status:
        verify = trusting(status.get("edge_ca"))
        with httpx.Client(trust_env=False, timeout=REQUEST_TIMEOUT, verify=verify) as client:
            for _ in range(requests):
                client.get(status["edge_url"] + "/api/anime").raise_for_status()
        parts = [(process_name(pid), *memory_kib(pid)) for pid in process_tree(status["pid"])]
    rss = sum(r for _, r, _ in parts) / 1024
    pss = sum(p for _, _, p in parts) / 1024
    return rss, pss, parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    header("whole-stack memory")
    rss, pss, last = [], [], []
    for _ in range(args.rounds):
        total_rss, total_pss, last = measure(args.tasks, args.requests)
        rss.append(total_rss)
        pss.append(total_pss)
    print(spread_row(f"RSS, every process ({args.tasks} tasks; goal <= 400 MiB)", rss, " MiB"))
    print(spread_row("PSS, every process", pss, " MiB"))
    print("\nprocesses in the last round (RSS / PSS MiB):")
    for name, r, p in last:
        print(f"  {r / 1024:7.1f} {p / 1024:7.1f}  {name}")


if __name__ == "__main__":
    main()
