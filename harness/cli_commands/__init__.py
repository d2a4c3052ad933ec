"""The CLI's subcommands that need more than a few lines, a module each (harness/cli.py parses).

A module with `add_to(commands, run_dir_flag)` adds its own parser and sets `run` as the
parser's default, so `harness.cli` dispatches to it without knowing it.
"""
