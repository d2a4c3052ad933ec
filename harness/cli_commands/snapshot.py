"""`harness snapshot save|load|ls [NAME]`: a running stack's data (tables and media) kept under
a name in its run directory, and put back later, in this stack or one started after `down`
(harness/lifecycle/persistence.py does the work, as for `up --persist`)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from harness.errors import HarnessError

SNAPSHOTS_DIR = "snapshots"
DEFAULT_NAME = "latest"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def add_to(commands, run_dir_flag) -> None:
    parser = commands.add_parser(
        "snapshot", help="save a running stack's data under a name, or load it back"
    )
    parser.add_argument("action", choices=("save", "load", "ls"), help="what to do")
    parser.add_argument(
        "name",
        nargs="?",
        default=DEFAULT_NAME,
        help=f"the snapshot's name (default {DEFAULT_NAME})",
    )
    run_dir_flag(parser)
    parser.set_defaults(run=snapshot_command)


def snapshot_dir(run_dir: Path, name: str) -> Path:
    if not NAME.match(name):
        raise HarnessError(
            f"snapshot name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)"
        )
    return Path(run_dir) / SNAPSHOTS_DIR / name


def saved_names(run_dir: Path) -> list[str]:
    where = Path(run_dir) / SNAPSHOTS_DIR
    return (
        sorted(p.name for p in where.iterdir() if p.is_dir() and NAME.match(p.name))
        if where.is_dir()
        else []
    )


def snapshot_command(args: argparse.Namespace) -> int:
    from harness.cli_commands.deploy import _stack
    from harness.lifecycle import persistence
    from harness.lifecycle.run_dir import RunDir
    from harness.settings import Settings

    run_dir = RunDir(Settings.from_env(run_dir=args.run_dir).run_dir).path
    if args.action == "ls":
        print("\n".join(saved_names(run_dir)) or f"no snapshot in {run_dir}")
        return 0
    where = snapshot_dir(run_dir, args.name)
    if args.action == "load" and not where.is_dir():
        known = ", ".join(saved_names(run_dir)) or "none"
        raise HarnessError(f"no snapshot {args.name!r} in {where.parent} (saved: {known})")
    stack = _stack(args)
    if args.action == "save":
        counts = persistence.save(stack.endpoints, stack.record, run_dir, where)
        print(f"snapshot {args.name!r} saved in {where}: {_counts(counts)}")
        return 0
    reason = persistence.mismatch(stack.record, where)
    if reason:
        raise HarnessError(f"snapshot {args.name!r} is from another stack: {reason}")
    counts = persistence.restore(stack.endpoints, stack.record, run_dir, where)
    print(f"snapshot {args.name!r} loaded: {_counts(counts)}")
    return 0


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())
