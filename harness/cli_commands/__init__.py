"""Subcommands of `harness` beyond up/down/status/env, one module each.

Each module has `add_to(commands, run_dir_flag)`, which adds its parser and sets `run` as the
parser's default, so `harness.cli` dispatches to it without knowing it.
"""
