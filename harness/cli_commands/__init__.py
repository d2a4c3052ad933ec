"""The CLI's subcommands that need more than a few lines, a module each (harness/cli.py parses)."""
