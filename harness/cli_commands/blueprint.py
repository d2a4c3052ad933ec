"""`harness blueprint --format cloudformation`: the stack's blueprint as a deployable template."""

from __future__ import annotations

import argparse
import sys

FORMATS = ("cloudformation",)


def add_to(commands, run_dir_flag) -> None:
    parser = commands.add_parser(
        "blueprint", help="print the blueprint as a CloudFormation template (YAML)"
    )
    # Checked in run() rather than by argparse choices, so a wrong value gets the one-line error.
    parser.add_argument("--format", default="cloudformation", help="cloudformation (default)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.control_plane.blueprint import Blueprint
    from harness.control_plane.cloudformation import template_yaml
    from harness.errors import ConfigError

    if args.format not in FORMATS:
        raise ConfigError("--format", f"expected one of {', '.join(FORMATS)}, not {args.format!r}")
    sys.stdout.write(template_yaml(Blueprint()))
    return 0
