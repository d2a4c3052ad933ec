"""`harness image build`: the API image, offline, tagged with the version and the git commit."""

from __future__ import annotations

import argparse
import json
import logging

from harness.errors import HarnessError


def add_to(commands, run_dir_flag) -> None:
    image = commands.add_parser("image", help="build the API image (needs a Docker engine)")
    actions = image.add_subparsers(dest="image_command", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="build the base (once per machine) and API images")
    build.add_argument(
        "--base",
        default=None,
        help="base image (default python:3.11-slim, else one built from Debian packages)",
    )
    build.add_argument("--json", action="store_true", help="one JSON document")
    build.set_defaults(run=build_image)


def build_image(args: argparse.Namespace) -> int:
    from harness.containers.api_image import build_api_image
    from harness.containers.base_image import OFFICIAL_BASE
    from harness.containers.engine import connect, unavailable_reason

    reason = unavailable_reason()
    if reason:
        raise HarnessError(f"image build: {reason}")
    logging.basicConfig(level=logging.INFO, format="harness: %(message)s")
    client = connect(timeout=600)
    try:
        built = build_api_image(client, base=args.base or OFFICIAL_BASE)
    finally:
        client.close()
    document = built.describe()
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        steps = ", ".join(f"{step} {s}s" for step, s in document["seconds"].items())
        print(f"{built.name} = {built.source_tag} ({document['size_mb']} MB) on {document['base']}")
        print(f"  {steps}")
    return 0
