"""`harness accept`: the release-acceptance run. Runs every scenario as a gate (each pytest
worker brings its own stack up and down), then writes `report.html` and `junit.xml` under
`<results>/accept-<date>-<pid>/`. The exit status is the verdict: 0 accepted, 1 rejected."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from harness.errors import ConfigError
from harness.settings import BACKENDS, Settings

HELP = "run every scenario as a release gate; write an HTML report and JUnit XML"


def add_parser(commands) -> None:
    accept = commands.add_parser("accept", help=HELP, description=__doc__)
    accept.add_argument(
        "--scenarios", type=Path, default=Path("scenarios"), help="the scenarios folder"
    )
    accept.add_argument(
        "--results-dir",
        type=Path,
        help="where the run's folder goes (env ANIMEHUB_RESULTS_DIR; default ./results)",
    )
    accept.add_argument("--backend", help=f"where the AWS APIs come from: {', '.join(BACKENDS)}")
    accept.add_argument(
        "--workers", default="3", help="pytest-xdist workers, each with its own stack (default 3)"
    )
    accept.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="after `--`: more pytest arguments"
    )


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 8:
        raise ConfigError("--workers", f"{text!r} is not a number from 1 to 8")
    return int(text)


def pytest_command(args: argparse.Namespace, folder: Path) -> list[str]:
    from harness.acceptance import report  # see run()

    workers = _workers(args.workers)
    command = [sys.executable, "-m", "pytest", str(args.scenarios), "--animehub-gate"]
    command += ["-p", "harness.acceptance.collector", "--animehub-acceptance-dir", str(folder)]
    command += [
        "--junitxml",
        str(folder / report.JUNIT_FILE),
        "--animehub-results-dir",
        str(folder),
    ]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "worksteal"]
    extra = [a for a in args.pytest_args if a != "--"]
    return command + extra


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the report imports pytest (and versions, importlib's
    # metadata), which every other `harness` command, each CLI call and each detached stack's
    # process, would otherwise pay for.
    from harness.acceptance import report
    from harness.acceptance.versions import tested_versions

    if not args.scenarios.is_dir():
        raise ConfigError("--scenarios", f"{args.scenarios} is not a folder")
    env = dict(os.environ)
    if args.backend:
        env["ANIMEHUB_BACKEND"] = args.backend
    backend = Settings.from_env(backend=args.backend).backend
    base = args.results_dir or Path(os.environ.get("ANIMEHUB_RESULTS_DIR") or "results")
    folder = base.expanduser().resolve() / f"accept-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    folder.mkdir(parents=True)
    command = pytest_command(args, folder)
    print(f"harness accept: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    code = subprocess.call(command, env=env)
    accepted = code == 0
    versions = tested_versions(Path.cwd(), backend)
    page = report.write(folder, versions, accepted)
    verdict = "ACCEPTED" if accepted else f"REJECTED (pytest exit status {code})"
    print(f"harness accept: {verdict}")
    print(f"harness accept: report {page}")
    print(f"harness accept: JUnit XML {folder / report.JUNIT_FILE}")
    return 0 if accepted else 1
