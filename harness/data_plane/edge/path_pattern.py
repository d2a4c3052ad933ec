"""CloudFront path patterns: `*` matches 0 or more characters (slashes too), `?` exactly one.

Patterns are case-sensitive and match the whole path; the leading `/` is optional on both sides.
Query strings and cookies play no part.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern.lstrip("/"):
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    return compile_pattern(pattern).fullmatch(path.lstrip("/")) is not None
