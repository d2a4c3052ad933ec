"""CLI subcommands that live outside cli.py: each module has `register(commands)`, which adds
its parser and sets `handler` (args -> exit status)."""
