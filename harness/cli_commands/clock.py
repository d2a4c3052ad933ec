"""`harness clock show | advance 181d`: the stack clock of a running stack."""

from __future__ import annotations

import argparse
import json
import time

from harness.cli_commands.common import run_dir_of
from harness.clock import CLOCK_FILE, format_duration, parse_duration
from harness.clock.faketime import FOLLOWS_WITHIN_SECONDS
from harness.clock.stack_clock import read_offset_file, write_offset_file
from harness.errors import HarnessError
from harness.lifecycle.run_dir import RunDir


def add_parser(commands, run_dir_flag) -> None:
    parser = commands.add_parser("clock", help="show or advance the stack clock")
    actions = parser.add_subparsers(dest="clock_action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="the stack's time and its offset from real time")
    run_dir_flag(show)
    show.add_argument("--json", action="store_true", help="one JSON document")
    advance = actions.add_parser("advance", help="move the clock forward for the whole stack")
    run_dir_flag(advance)
    advance.add_argument("duration", help="how far: 181d, 2h, 30m, 45s (or sums like 1d12h)")
    parser.set_defaults(run=lambda args: run(args, run_dir_of(args)))


def run(args: argparse.Namespace, run_dir: RunDir) -> int:
    if args.clock_action == "advance":
        seconds = parse_duration(args.duration, "duration")
    if not run_dir.is_locked():
        raise HarnessError(f"no stack is running in {run_dir.path}; start one with `harness up`")
    path = run_dir.path / CLOCK_FILE
    if args.clock_action == "advance":
        write_offset_file(path, read_offset_file(path) + seconds)
    offset = read_offset_file(path)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))
    if getattr(args, "json", False):
        print(json.dumps({"now": now, "offset_seconds": offset, "file": str(path)}))
        return 0
    print(f"stack clock: {now} (real time {'+' if offset >= 0 else ''}{format_duration(offset)})")
    if args.clock_action == "advance":
        print(f"every part of the stack follows within {FOLLOWS_WITHIN_SECONDS} s")
    return 0
