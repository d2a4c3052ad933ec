"""The plugin's command-line options, prefixed `--animehub-` so they cannot clash with another
plugin's, and the unprefixed names of the previous release kept as deprecated aliases.

An alias is registered only while no other plugin has taken its name; used, it warns once and
fills its prefixed option unless that was given too.
"""

from __future__ import annotations

import pytest

from harness.settings import BACKENDS

PREFIX = "animehub_"
# setting: (metavar, choices, help)
OPTIONS: dict[str, tuple[str | None, tuple[str, ...] | None, str]] = {
    "backend": (
        None,
        BACKENDS,
        "where the AWS APIs come from (env ANIMEHUB_BACKEND; default embedded)",
    ),
    "tasks": ("N", None, "API tasks the stack runs, 1-10 (env ANIMEHUB_TASKS; default 2)"),
    "stack_state": (
        "PATH",
        None,
        "attach to a stack started with `harness up --detach`: its <run-dir>/state.json "
        "or the run dir (env ANIMEHUB_STACK_STATE)",
    ),
    "results_dir": (
        "DIR",
        None,
        "a folder per session (<results>/<date>-<pid>/<worker>/) with each worker's "
        "stack run dir and failure artifacts (env ANIMEHUB_RESULTS_DIR; default ./results)",
    ),
}


class AnimehubDeprecationWarning(pytest.PytestDeprecationWarning):
    """An unprefixed option of the AnimeHub plugin was used."""


def flag(setting: str) -> str:
    return "--animehub-" + setting.replace("_", "-")


def _alias(setting: str) -> str:
    return "--" + setting.replace("_", "-")


def _alias_dest(setting: str) -> str:
    return f"{PREFIX}deprecated_{setting}"


def _taken(parser: pytest.Parser) -> set[str]:
    """Option names other plugins registered before this one (pytest has no public list)."""
    groups = [*getattr(parser, "_groups", []), getattr(parser, "_anonymous", None)]
    return {name for g in groups if g for opt in g.options for name in opt.names()}


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("animehub", "AnimeHub stack")
    taken = _taken(parser)
    for setting, (metavar, choices, text) in OPTIONS.items():
        extra = {"metavar": metavar} if metavar else {}
        group.addoption(
            flag(setting), dest=PREFIX + setting, choices=choices, default=None, help=text, **extra
        )
    for setting, (metavar, choices, _) in OPTIONS.items():
        if _alias(setting) in taken:
            continue
        extra = {"metavar": metavar} if metavar else {}
        group.addoption(
            _alias(setting),
            dest=_alias_dest(setting),
            choices=choices,
            default=None,
            help=f"deprecated: use {flag(setting)}",
            **extra,
        )


TYPED = f"{PREFIX}typed"  # config.option attribute: {setting: the flag the user typed}


def apply_aliases(config: pytest.Config) -> None:
    """Warn for each deprecated alias used and carry its value over to the prefixed option."""
    typed = {s: flag(s) for s in OPTIONS if getattr(config.option, PREFIX + s, None) is not None}
    setattr(config.option, TYPED, typed)
    for setting in OPTIONS:
        value = getattr(config.option, _alias_dest(setting), None)
        if value is None:
            continue
        config.issue_config_time_warning(
            AnimehubDeprecationWarning(
                f"{_alias(setting)} is deprecated and will be removed; use {flag(setting)}"
            ),
            stacklevel=2,
        )
        if getattr(config.option, PREFIX + setting, None) is None:
            setattr(config.option, PREFIX + setting, value)
            typed[setting] = _alias(setting)


def given(config: pytest.Config, setting: str):
    """A prefixed option's value (or its alias's), None when not given."""
    return config.getoption(PREFIX + setting)


def typed(config: pytest.Config, setting: str, variable: str) -> str:
    """What the user set for `setting`: the flag as typed, else the variable; for errors."""
    return getattr(config.option, TYPED, {}).get(setting) or variable


__all__ = ["AnimehubDeprecationWarning", "add_options", "apply_aliases", "flag", "given", "typed"]
