"""`harness deploy api|web`: the two release pipelines, against a running stack."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.errors import HarnessError


def add_to(commands, run_dir_flag) -> None:
    deploy = commands.add_parser("deploy", help="deploy the API image or the web build")
    targets = deploy.add_subparsers(dest="deploy_target", required=True, metavar="TARGET")
    api = targets.add_parser(
        "api", help="build, push, register a task definition revision, roll the service"
    )
    api.add_argument("--timeout", type=float, default=180.0, help="seconds for the rollout")
    web = targets.add_parser("web", help="sync the web build to its bucket and invalidate")
    web.add_argument("--version", help="the version the web build announces (default: harness)")
    web.add_argument("--source", type=Path, help="the web build directory (default web_stub/)")
    for parser in (api, web):
        run_dir_flag(parser)
        parser.add_argument("--json", action="store_true", help="one JSON document")
    api.set_defaults(run=deploy_api_command)
    web.set_defaults(run=deploy_web_command)


def _stack(args: argparse.Namespace):
    from harness.lifecycle.attached_stack import AttachedStack
    from harness.lifecycle.run_dir import RunDir
    from harness.settings import Settings

    run_dir = RunDir(Settings.from_env(run_dir=args.run_dir).run_dir)
    if not run_dir.is_locked():
        raise HarnessError(f"no stack is running in {run_dir.path}; start one with `harness up`")
    return AttachedStack.load(run_dir.path)


def _report(args: argparse.Namespace, document: dict, line: str) -> int:
    print(json.dumps(document, indent=2) if args.json else line)
    return 0


def deploy_api_command(args: argparse.Namespace) -> int:
    from harness.pipelines.api_deploy import deploy_api

    done = deploy_api(_stack(args), timeout=args.timeout)
    seconds = {k: round(v, 1) for k, v in done.seconds.items()}
    return _report(
        args,
        {"image": done.image, "task_definition": done.task_definition_arn, "seconds": seconds},
        f"api: {done.task_definition_arn} runs {done.image} ({seconds['total']}s)",
    )


def deploy_web_command(args: argparse.Namespace) -> int:
    from harness.pipelines.web_deploy import deploy_web_stub

    if args.source is not None and not (args.source / "index.html").is_file():
        raise HarnessError(f"--source: {args.source} has no index.html")
    done = deploy_web_stub(_stack(args), version=args.version, source_dir=args.source)
    return _report(
        args,
        {
            "version": done.version,
            "bucket": done.bucket,
            "invalidation": done.invalidation_id,
            "paths": list(done.invalidated_paths),
            "seconds": round(done.seconds, 1),
        },
        f"web: {done.version} in s3://{done.bucket}, invalidation {done.invalidation_id}",
    )
