"""Durations as a user types them: `181d`, `2h`, `30m`, `45s` (or a sum: `1d12h`)."""

from __future__ import annotations

import re

from harness.errors import ConfigError

UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([dhms])")


def parse_duration(text: str, setting: str = "duration") -> int:
    """Whole seconds, > 0; anything else is a ConfigError naming `setting` and the text."""
    raw = text.strip().lower()
    parts = _PART.findall(raw)
    if not raw or "".join(n + u for n, u in parts) != raw:
        raise ConfigError(setting, f"{text!r} is not a duration like 181d, 2h, 30m or 45s")
    seconds = sum(int(n) * UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise ConfigError(setting, f"{text!r} is not a positive duration")
    return seconds


def format_duration(seconds: float) -> str:
    """`181d`, `2h30m`, `0s`: the inverse of parse_duration, for display."""
    left = int(seconds)
    sign = "-" if left < 0 else ""
    left = abs(left)
    out = ""
    for unit, size in UNIT_SECONDS.items():
        if left >= size:
            out += f"{left // size}{unit}"
            left %= size
    return sign + (out or "0s")
