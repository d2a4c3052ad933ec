"""`harness fault add|clear|list|stop-task`: faults on a running stack's hops, from the shell.
They live in the stack's run directory; `harness status` lists them and `harness down`
clears them."""

from __future__ import annotations

import argparse
import json

from harness.errors import HarnessError
from harness.faults.rules import HOPS, KINDS, new_fault
from harness.faults.store import FaultStore
from harness.faults.tasks import SIGNALS, stop_task
from harness.lifecycle.run_dir import RunDir
from harness.settings import default_run_dir


def add_parser(commands) -> None:
    fault = commands.add_parser("fault", help="inject, clear and list faults on the stack's hops")
    actions = fault.add_subparsers(dest="fault_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a fault")
    add.add_argument("--hop", required=True, help=f"one of {', '.join(HOPS)}")
    add.add_argument("--kind", required=True, help=f"one of {', '.join(KINDS)}")
    add.add_argument("--latency-ms", help="latency / timeout: milliseconds")
    add.add_argument("--status", help="status: 500, 502, 503 or 504")
    add.add_argument("--path", help="HTTP hops: only requests under this path")
    add.add_argument("--target", help="alb-task, health-check: ip:port; sns-delivery: device id")
    add.add_argument("--service", help="aws: the service (dynamodb, sns, s3, ...)")
    add.add_argument("--operation", help="aws: the operation (PutItem, Publish, ...)")
    add.add_argument("--probability", default="1", help="share of requests affected, 0-1")
    add.add_argument("--every-nth", default="0", help="affect every Nth matching request")
    clear = actions.add_parser("clear", help="clear one fault (by id) or all")
    clear.add_argument("id", nargs="?")
    actions.add_parser("list", help="the active faults").add_argument("--json", action="store_true")
    stop = actions.add_parser("stop-task", help="stop a running API task")
    stop.add_argument("--signal", default="SIGTERM", help=f"one of {', '.join(SIGNALS)}")
    stop.add_argument("--task", help="a task id (or its start); default the first running")
    for parser in (add, clear, actions.choices["list"], stop):
        parser.add_argument("--run-dir", help=f"the stack's run directory ({default_run_dir()})")


def run(args: argparse.Namespace) -> int:
    run_dir = RunDir(args.run_dir or default_run_dir())
    store = FaultStore(run_dir.path)
    if args.fault_action == "add":
        options = {
            k: getattr(args, k)
            for k in ("latency_ms", "status", "path", "target", "service", "operation")
            if getattr(args, k) is not None
        }
        fault = store.add(
            new_fault(
                args.hop,
                args.kind,
                probability=args.probability,
                every_nth=args.every_nth,
                **options,
            )
        )
        print(f"fault {fault.describe()}")
    elif args.fault_action == "clear":
        gone = store.clear(args.id)
        print(f"cleared {len(gone)} fault(s)")
    elif args.fault_action == "list":
        faults = store.list()
        if args.json:
            print(json.dumps([f.to_json() for f in faults], indent=1))
        else:
            print("\n".join(f.describe() for f in faults) or "no fault")
    else:
        from harness.cli import _live_status

        status = _live_status(run_dir)
        if status is None:
            raise HarnessError(f"no stack is running in {run_dir.path}")
        task = stop_task(status, args.signal, args.task)
        print(f"sent {args.signal} to task {task['id']} (pid {task['pid']})")
    return 0
