"""Bringing a stack up and down: the in-process Stack, a stack attached from its state file,
the run directory, and the status views."""
