"""Subcommands of `harness` that live in their own modules (cli.py dispatches to them)."""
