"""How long CloudFront keeps a response: origin Cache-Control/Expires within a policy's TTLs."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from datetime import UTC, datetime

from harness.data_plane.edge.cache_policy import CachePolicy

NOT_CACHED = 0
_UNCACHEABLE = ("no-store", "no-cache", "private")


def cache_control(value: str | None) -> dict[str, str | None]:
    """`Cache-Control` directives, lower-cased, with their arguments (None when bare)."""
    directives: dict[str, str | None] = {}
    for part in (value or "").split(","):
        name, _, arg = part.strip().partition("=")
        if name:
            directives[name.strip().lower()] = arg.strip().strip('"') if arg else None
    return directives


def _seconds(arg: str | None) -> int | None:
    try:
        return max(0, int(arg)) if arg is not None else None
    except ValueError:
        return None


def _expires_in(expires: str, now: datetime) -> int:
    try:
        when = email.utils.parsedate_to_datetime(expires)
    except (TypeError, ValueError, IndexError):
        return 0  # an invalid Expires means "already expired" (RFC 9111 5.3)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - now).total_seconds()))


def ttl_seconds(
    policy: CachePolicy, headers: Mapping[str, str], now: datetime | None = None
) -> int:
    """Seconds to keep a response with these (lower-cased) headers; 0 means do not cache.

    A min TTL above 0 wins even over no-store/no-cache/private, as CloudFront documents.
    """
    if not policy.caches:
        return NOT_CACHED
    directives = cache_control(headers.get("cache-control"))
    if any(d in directives for d in _UNCACHEABLE):
        return policy.min_ttl
    age = _seconds(directives.get("s-maxage"))
    if age is None:
        age = _seconds(directives.get("max-age"))
    if age is None and "expires" in headers:
        age = _expires_in(headers["expires"], now or datetime.now(UTC))
    if age is None:
        age = policy.default_ttl
    return min(max(age, policy.min_ttl), policy.max_ttl)
