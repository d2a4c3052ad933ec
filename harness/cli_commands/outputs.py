"""`harness outputs`: the stack's ids under the names of a real deployment's CloudFormation
outputs (UserPoolId, TargetGroupArn, ...), the names `harness env` exports them under."""

from __future__ import annotations

import argparse
import json

from harness.cli_commands.common import run_dir_of
from harness.control_plane.record import outputs_of


def stack_outputs(state: dict) -> dict[str, str]:
    """The outputs, plus EdgeUrl: where a browser opens the app (https://DistributionDomain on
    AWS), the one name here that is not an output of the deployment's stack."""
    outputs = outputs_of(state.get("resources") or {})
    if state.get("edge_url"):
        outputs["EdgeUrl"] = state["edge_url"]
    return outputs


def add_to(commands, run_dir_flag) -> None:
    parser = commands.add_parser(
        "outputs", help="the stack's ids, named as the CloudFormation outputs (UserPoolId, ...)"
    )
    run_dir_flag(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    state = run_dir_of(args).running_state()
    outputs = stack_outputs(state)
    if args.json:
        print(json.dumps(outputs, indent=2, sort_keys=True))
        return 0
    width = max(map(len, outputs), default=0)
    for name, value in sorted(outputs.items()):
        print(f"{name.ljust(width)}  {value}")
    return 0
