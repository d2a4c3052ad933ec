"""The CLI's subcommands that need more than a few lines, a module each (harness/cli.py parses).
A module with `register(commands)` adds its own parser and sets `handler` (args -> exit status)."""
