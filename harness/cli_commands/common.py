"""What the subcommands share: the run directory a command's flags and variables point to."""

from __future__ import annotations

import argparse

from harness.lifecycle.run_dir import RunDir
from harness.settings import Settings


def run_dir_of(args: argparse.Namespace) -> RunDir:
    settings = Settings.from_env(run_dir=getattr(args, "run_dir", None))
    return RunDir(settings.run_dir, settings.name_of("run_dir"))
