"""`harness logs`: the stack's component logs merged into one time-ordered view."""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime

from harness.cli_commands.common import run_dir_of
from harness.errors import ConfigError, HarnessError
from harness.lifecycle.log_timeline import Filter, Follower

FOLLOW_INTERVAL = 0.25
DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def add_to(commands, run_dir_flag) -> None:
    parser = commands.add_parser(
        "logs", help="edge, ALB, task, emulator and harness logs as one timeline"
    )
    run_dir_flag(parser)
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    parser.add_argument(
        "--request-id", help="only the lines of one request (the edge's X-Amz-Cf-Id)"
    )
    parser.add_argument(
        "--component",
        action="append",
        default=[],
        help="only this component (edge, alb, task, harness, ...); repeat or comma-separate",
    )
    parser.add_argument("--since", help="only lines newer than this: 30s, 5m, 2h, 1d or ISO time")
    parser.set_defaults(run=run)


def joined_values(argv: list[str]) -> list[str]:
    """`--request-id -x9...` as `--request-id=-x9...`: an edge request id may start with a dash,
    which argparse would otherwise take for a flag."""
    joined, rest = [], iter(argv)
    for arg in rest:
        if arg == "--request-id":
            value = next(rest, None)
            joined.append(arg if value is None else f"{arg}={value}")
        else:
            joined.append(arg)
    return joined


def since_time(raw: str, now: float) -> float:
    match = DURATION.match(raw.strip())
    if match:
        return now - float(match.group(1)) * UNIT_SECONDS[match.group(2)]
    try:
        return datetime.fromisoformat(raw.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ConfigError(
            "--since", f"{raw!r} is neither a duration (30s, 5m, 2h, 1d) nor an ISO time"
        ) from None


def run(args: argparse.Namespace) -> int:
    run_dir = run_dir_of(args)
    if not run_dir.logs.is_dir():
        raise HarnessError(f"{run_dir.path} has no logs; is it a run directory? (--run-dir)")
    wanted = Filter(
        components=frozenset(c.strip() for arg in args.component for c in arg.split(",") if c),
        request_id=args.request_id,
        since=since_time(args.since, time.time()) if args.since else None,
    )
    follower = Follower(run_dir.logs)
    _print(follower, wanted)
    if not args.follow:
        return 0
    try:
        while True:
            time.sleep(FOLLOW_INTERVAL)  # tailing files: there is no event to wait for
            _print(follower, wanted)
    except KeyboardInterrupt:
        return 0


def _print(follower: Follower, wanted: Filter) -> None:
    for line in follower.read_new():
        if wanted(line):
            print(line.render())
    sys.stdout.flush()
