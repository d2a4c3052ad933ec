"""Errors the harness reports to its user as one line, without a traceback."""


class HarnessError(Exception):
    """A failure the user can act on; the CLI prints it as one line and exits non-zero."""


class ConfigError(HarnessError):
    """A setting has a value the harness cannot use."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
