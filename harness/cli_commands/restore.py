"""`harness restore`: restore a table from a backup or to a point in time (stack clock), then
point the API service at it (harness/pipelines/table_restore.py; runbook in docs/deployment.md)."""

from __future__ import annotations

import argparse
import datetime
import json

from harness.errors import HarnessError


def add_to(commands, run_dir_flag) -> None:
    parser = commands.add_parser(
        "restore",
        help="restore a table (backup or point in time) and roll the service onto it",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--backup", metavar="ARN", help="a backup's ARN (aws dynamodb list-backups)"
    )
    source.add_argument(
        "--to-time",
        metavar="TIME",
        help="a point in time on the stack clock, ISO 8601 (UTC if no zone)",
    )
    source.add_argument(
        "--latest", action="store_true", help="the latest restorable time (about 5 minutes ago)"
    )
    parser.add_argument("--source", metavar="TABLE", help="the table to restore to a point in time")
    parser.add_argument("--target", metavar="TABLE", required=True, help="the new table's name")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds for the rollout")
    parser.add_argument("--json", action="store_true", help="one JSON document")
    run_dir_flag(parser)
    parser.set_defaults(run=restore_command)


def point_in_time(text: str) -> float:
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HarnessError(
            f"--to-time: {text!r} is not an ISO 8601 time (e.g. 2026-11-24T03:00:00Z)"
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=datetime.UTC)).timestamp()


def restore_point(args: argparse.Namespace):
    from harness.pipelines.table_restore import RestorePoint

    if args.backup:
        if args.source:
            raise HarnessError("--source: a backup names its own table; give one or the other")
        return RestorePoint(backup_arn=args.backup)
    if not args.source:
        raise HarnessError("--source: name the table to restore to a point in time")
    if args.latest:
        return RestorePoint(latest=True)
    return RestorePoint(at=point_in_time(args.to_time))


def restore_command(args: argparse.Namespace) -> int:
    from harness.cli_commands.deploy import _stack
    from harness.pipelines.table_restore import restore_table

    point = restore_point(args)
    done = restore_table(
        _stack(args), point, target=args.target, source=args.source, timeout=args.timeout
    )
    seconds = {k: round(v, 1) for k, v in done.seconds.items()}
    document = {
        "source_table": done.source_table,
        "target_table": done.target_table,
        "restored_from": done.restored_from,
        "variable": done.variable,
        "task_definition": done.task_definition_arn,
        "seconds": seconds,
    }
    line = (
        f"restore: {done.target_table} restored from {done.restored_from}; the service runs "
        f"{done.task_definition_arn} with {done.variable}={done.target_table} ({seconds['total']}s)"
    )
    print(json.dumps(document, indent=2) if args.json else line)
    return 0
