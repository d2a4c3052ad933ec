from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from harness.data_plane.edge.cache_policy import CACHING_DISABLED, CACHING_OPTIMIZED, CachePolicy
from harness.data_plane.edge.ttl import ttl_seconds

NOW = datetime(2025, 1, 1, tzinfo=UTC)
LEGACY_ZERO_MIN = CachePolicy("legacy", min_ttl=0, default_ttl=60, max_ttl=600)
LEGACY_MIN_30 = CachePolicy("legacy", min_ttl=30, default_ttl=60, max_ttl=600)
ORIGIN_DECIDES = CachePolicy("origin", min_ttl=0, default_ttl=0, max_ttl=600)


def expires_in(seconds):
    return format_datetime(NOW + timedelta(seconds=seconds), usegmt=True)


CASES = [
    # policy, origin headers, expected TTL (0 = not cached)
    (CACHING_OPTIMIZED, {}, 86_400),
    (CACHING_OPTIMIZED, {"cache-control": "max-age=300"}, 300),
    (CACHING_OPTIMIZED, {"cache-control": "max-age=0"}, 1),  # raised to min TTL
    (CACHING_OPTIMIZED, {"cache-control": "no-store"}, 1),  # min TTL > 0 caches even no-store
    (CACHING_OPTIMIZED, {"cache-control": "public, max-age=99999999"}, 31_536_000),
    (CACHING_DISABLED, {"cache-control": "max-age=300"}, 0),
    (CACHING_DISABLED, {}, 0),
    (LEGACY_ZERO_MIN, {}, 60),
    (LEGACY_ZERO_MIN, {"cache-control": "max-age=100"}, 100),
    (LEGACY_ZERO_MIN, {"cache-control": "max-age=100000"}, 600),  # capped at max TTL
    (LEGACY_ZERO_MIN, {"cache-control": "max-age=100, s-maxage=200"}, 200),  # s-maxage wins
    (LEGACY_ZERO_MIN, {"cache-control": "no-store"}, 0),
    (LEGACY_ZERO_MIN, {"cache-control": "no-cache"}, 0),
    (LEGACY_ZERO_MIN, {"cache-control": "private, max-age=100"}, 0),
    (LEGACY_MIN_30, {"cache-control": "no-cache"}, 30),
    (LEGACY_MIN_30, {"cache-control": "private"}, 30),
    (LEGACY_MIN_30, {"cache-control": "max-age=5"}, 30),
    (LEGACY_ZERO_MIN, {"expires": expires_in(120)}, 120),
    (LEGACY_ZERO_MIN, {"expires": expires_in(-120)}, 0),  # already expired
    (LEGACY_ZERO_MIN, {"expires": "0"}, 0),  # invalid means expired
    (LEGACY_MIN_30, {"expires": expires_in(-120)}, 30),
    (LEGACY_ZERO_MIN, {"expires": expires_in(5000)}, 600),
    (LEGACY_ZERO_MIN, {"cache-control": "max-age=50", "expires": expires_in(500)}, 50),
    (LEGACY_ZERO_MIN, {"cache-control": "max-age=abc"}, 60),  # unreadable: default TTL
    (ORIGIN_DECIDES, {}, 0),
    (ORIGIN_DECIDES, {"cache-control": "max-age=10"}, 10),
]


@pytest.mark.parametrize(("policy", "headers", "expected"), CASES)
def test_ttl_within_policy_bounds(policy, headers, expected):
    assert ttl_seconds(policy, headers, NOW) == expected
