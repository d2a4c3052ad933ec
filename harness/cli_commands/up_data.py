"""`harness up --seed` and `--persist`: the stack's data, loaded after start and kept at stop."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from harness.errors import ConfigError

log = logging.getLogger("harness.cli")


def add_flags(up: argparse.ArgumentParser) -> None:
    up.add_argument(
        "--seed",
        action="store_true",
        help="load sample fans (credentials printed), anime with covers and follows",
    )
    up.add_argument(
        "--persist",
        action="store_true",
        help="keep tables and media in the run directory across down/up",
    )


def check(args: argparse.Namespace, backend: str) -> None:
    if backend == "aws":
        for flag in ("seed", "persist"):
            if getattr(args, flag, False):
                raise ConfigError(f"--{flag}", "the aws backend's data is the deployment's own")


def _step(stack, name: str, run, *args):
    stack.progress(name, None)
    began = time.monotonic()
    result = run(*args)
    stack.progress(name, time.monotonic() - began)
    return result


def after_start(stack, args: argparse.Namespace) -> dict:
    """Restore kept data, then seed; return what the status document should add."""
    extra: dict = {}
    if args.persist:
        from harness.lifecycle.persistence import restore

        extra["restored"] = _step(
            stack,
            "restoring the kept data",
            restore,
            stack.endpoints,
            stack.record,
            stack.run_dir.path,
        )
    if args.seed:
        from harness.pipelines.seed import credentials, seed
        from harness.plumbing.local_ca import trusting

        fans = _step(
            stack,
            "seeding sample data",
            seed,
            stack.endpoints,
            stack.record,
            stack.edge_url,
            stack.push_sink,
            trusting(stack.edge_ca),
        )
        extra["seed_fans"] = credentials(fans)
    return extra


def before_stop(stack, args: argparse.Namespace) -> None:
    if not args.persist or stack.record is None:
        return
    from harness.lifecycle.persistence import save

    try:
        save(stack.endpoints, stack.record, stack.run_dir.path)
    except Exception as exc:  # noqa: BLE001 - stopping must go on; say what was lost
        log.exception("keeping the data failed")
        print(f"harness: could not keep the data: {exc}", file=sys.stderr, flush=True)


def seed_lines(doc: dict) -> str:
    fans = doc.get("seed_fans") or []
    if not fans:
        return ""
    rows = "\n".join(f"  {f['email']}  {f['password']}" for f in fans)
    return f"\n\nsample fans (sign in at the edge URL):\n{rows}"
