"""Subcommands of `harness`, one module each."""
