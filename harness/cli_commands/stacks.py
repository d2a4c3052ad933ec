"""`harness ls`: every stack `harness up` runs for this user, from the per-user registry."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from harness.lifecycle.registry import running_stacks


def add_to(commands, run_dir_flag) -> None:
    parser = commands.add_parser("ls", help="list the stacks running on this machine")
    parser.add_argument("--json", action="store_true", help="one JSON list")
    parser.set_defaults(run=run)


def age(started_at: float | None, now: float) -> str:
    if not started_at:
        return "-"
    seconds = int(max(0, now - started_at))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def run(args: argparse.Namespace) -> int:
    stacks = running_stacks()
    if args.json:
        print(json.dumps(stacks, indent=2, sort_keys=True))
        return 0
    if not stacks:
        print("no stack is running")
        return 0
    now = time.time()
    rows = [("PID", "BACKEND", "AGE", "EDGE URL", "RUN DIR")]
    for s in stacks:
        gone = "" if _exists(s["run_dir"]) else "  (deleted)"
        rows.append(
            (
                str(s["pid"]),
                str(s.get("backend") or "-"),
                age(s.get("started_at"), now),
                str(s.get("edge_url") or "-"),
                f"{s['run_dir']}{gone}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _exists(path: str) -> bool:
    return (Path(path) / "state.json").exists()
