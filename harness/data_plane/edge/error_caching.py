"""How long CloudFront caches an origin's 4xx/5xx [HTTPStatusCodes, custom-error-pages-expiration].

The error caching minimum TTL (ErrorCachingMinTTL of the custom error response for that code,
else 10 s), or the origin's s-maxage/max-age when that is longer; `no-store` is honoured only
for 404, 410, 414 and 501; 416 is never cached.
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.data_plane.edge.ttl import cache_control

DEFAULT_ERROR_CACHING_MIN_TTL = 10
NEVER_CACHED = frozenset({416})
NO_STORE_HONOURED = frozenset({404, 410, 414, 501})


def error_ttl(status: int, headers: Mapping[str, str], caching_min_ttl: int | None) -> int:
    if status in NEVER_CACHED:
        return 0
    directives = cache_control(headers.get("cache-control"))
    if "no-store" in directives and status in NO_STORE_HONOURED:
        return 0
    minimum = DEFAULT_ERROR_CACHING_MIN_TTL if caching_min_ttl is None else caching_min_ttl
    origin_age = 0
    for name in ("s-maxage", "max-age"):
        value = directives.get(name)
        if value is not None and value.isdigit():
            origin_age = int(value)
            break
    return max(minimum, origin_age)
