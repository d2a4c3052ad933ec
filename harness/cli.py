"""`harness up | down | status | env | accept`: the stack from a shell."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
from pathlib import Path

from harness import __version__
from harness.cli_commands import (
    accept,
    blueprint,
    deploy,
    down,
    fault,
    image,
    logs,
    outputs,
    restore,
    snapshot,
    stacks,
    up_data,
)
from harness.cli_commands import clock as clock_command
from harness.cli_commands.outputs import stack_outputs
from harness.cli_commands.up import up_detached, up_foreground
from harness.errors import HarnessError
from harness.lifecycle.preflight import check_fixed_ports
from harness.lifecycle.run_dir import RunDir
from harness.lifecycle.status_view import render, summary
from harness.settings import BACKENDS, Settings, default_run_dir
from harness.types import StatusDocument

EXIT_NOT_RUNNING = 3


def _settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", help=f"where the AWS APIs come from: {', '.join(BACKENDS)}")
    parser.add_argument("--region", help="AWS region (default us-east-1)")
    parser.add_argument("--tasks", help="API tasks the ECS service runs (1-10, default 2)")
    parser.add_argument("--edge-port", help="port of the edge (CloudFront); 0 = a free port")
    parser.add_argument(
        "--edge-https-port", help="HTTPS port of the edge (CloudFront); 0 = a free port"
    )
    parser.add_argument("--alb-port", help="port of the load balancer; 0 = a free port")
    parser.add_argument("--emulator-port", help="port of the embedded emulator; 0 = a free port")
    parser.add_argument("--push-sink-port", help="port of the push sink; 0 = a free port")
    parser.add_argument("--endpoint-url", help="endpoint backend: one URL for every service")
    parser.add_argument(
        "--endpoint-urls", help="endpoint backend: service=url pairs, comma-separated"
    )
    parser.add_argument(
        "--endpoint-file", help="endpoint backend: a YAML file (default: URL, service: URL)"
    )
    parser.add_argument("--aws-stack-name", help="aws backend: the CloudFormation stack")
    parser.add_argument(
        "--task-runtime", help="how ECS tasks run: auto (default), process or container"
    )


def _run_dir_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--run-dir",
        type=Path,
        help=f"directory for logs and state (default {default_run_dir()}; env ANIMEHUB_RUN_DIR)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness", description="Run the AnimeHub stack on this machine, offline."
    )
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="start the stack (foreground until Ctrl-C)")
    _run_dir_flag(up)
    _settings_flags(up)
    up.add_argument("--detach", action="store_true", help="return once ready; stop with `down`")
    up_data.add_flags(up)

    status = commands.add_parser("status", help="health of each component")
    _run_dir_flag(status)
    status.add_argument("--json", action="store_true", help="one JSON document")

    env = commands.add_parser(
        "env", help="export lines: the AWS endpoint variables and the stack's ids (UserPoolId, ...)"
    )
    _run_dir_flag(env)
    for command in (down, outputs, logs, stacks, image, deploy, blueprint, restore, snapshot):
        command.add_to(commands, _run_dir_flag)
    clock_command.add_parser(commands, _run_dir_flag)
    accept.add_parser(commands)
    fault.add_parser(commands)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    flags = {
        name: getattr(args, name, None)
        for name in (
            "backend",
            "region",
            "tasks",
            "edge_port",
            "edge_https_port",
            "alb_port",
            "emulator_port",
            "push_sink_port",
            "endpoint_url",
            "endpoint_urls",
            "endpoint_file",
            "aws_stack_name",
            "task_runtime",
            "run_dir",
        )
    }
    return Settings.from_env(**flags)


def _run_dir(args: argparse.Namespace) -> RunDir:
    settings = _settings(args)
    return RunDir(settings.run_dir, settings.name_of("run_dir"))


# down / status / env ------------------------------------------------------------------------


def _live_status(run_dir: RunDir) -> StatusDocument | None:
    from harness.lifecycle.status_client import live_status  # httpx: paid only by `status`

    state = run_dir.read_state()
    if not state or not run_dir.is_locked():
        return None
    return live_status(state)


def _status(args: argparse.Namespace) -> int:
    run_dir = _run_dir(args)
    doc = _live_status(run_dir)
    if doc is None:
        if args.json:
            print(json.dumps({"running": False, "run_dir": str(run_dir.path)}))
        else:
            print(f"no stack is running in {run_dir.path}")
        return EXIT_NOT_RUNNING
    doc = {"running": True, **doc}
    if args.json:
        print(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    print(summary(doc))
    print()
    print(render(doc))
    faults = doc.get("faults") or []
    print(f"\nfaults: {len(faults)} active" + "".join(f"\n  {f['summary']}" for f in faults))
    return 0


def _env(args: argparse.Namespace) -> int:
    state = _run_dir(args).running_state()
    variables = dict(state.get("environment", {}))
    if state.get("edge_url"):
        variables["ANIMEHUB_EDGE_URL"] = state["edge_url"]
    if state.get("edge_ca"):
        variables["ANIMEHUB_EDGE_CA"] = state["edge_ca"]
    variables.update(stack_outputs(state))
    for name, value in sorted(variables.items()):
        print(f"export {name}={shlex.quote(value)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = logs.joined_values(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "up":
            settings = _settings(args)
            up_data.check(args, settings.backend)
            check_fixed_ports(settings)  # before anything heavy is even imported
            if args.detach:
                return up_detached(settings, argv)
            return up_foreground(settings, args)
        if hasattr(args, "run"):
            return args.run(args)
        handlers = {"status": _status, "env": _env, "accept": accept.run, "fault": fault.run}
        return handlers[args.command](args)
    except HarnessError as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `harness logs | head`: the reader has gone, which is no error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        # A bug, not a user mistake: keep the traceback in the log, say where it is.
        logging.getLogger("harness").exception("unexpected error")
        where = "the run directory's logs/harness.log" if args.command == "up" else "no log"
        print(f"harness: internal error: {type(exc).__name__}: {exc} ({where})", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
