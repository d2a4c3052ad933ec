"""Cache policies: TTL bounds and the cache key, from a managed policy's id, the CloudFront API,
or a behaviour's legacy ForwardedValues/MinTTL/DefaultTTL/MaxTTL fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from harness.data_plane.edge import forwarded_values
from harness.data_plane.edge.forwarded_values import Selection, items

ONE_YEAR = 31_536_000


@dataclass(frozen=True)
class CachePolicy:
    name: str
    min_ttl: int
    default_ttl: int
    max_ttl: int
    headers: Selection = forwarded_values.headers("none")
    cookies: Selection = forwarded_values.cookies("none")
    query_strings: Selection = forwarded_values.query_strings("none")
    accept_encoding_gzip: bool = False
    accept_encoding_brotli: bool = False
    id: str | None = None

    @property
    def caches(self) -> bool:
        # Keying on every viewer header is CloudFront's legacy way of saying "do not cache".
        return self.max_ttl > 0 and self.headers.behavior != forwarded_values.ALL

    def describe(self) -> str:
        return self.name


CACHING_OPTIMIZED = CachePolicy(
    name="CachingOptimized",
    id="658327ea-f89d-4fab-a63d-7e88639e58f6",
    min_ttl=1,
    default_ttl=86_400,
    max_ttl=ONE_YEAR,
    accept_encoding_gzip=True,
    accept_encoding_brotli=True,
)
CACHING_DISABLED = CachePolicy(
    name="CachingDisabled",
    id="4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    min_ttl=0,
    default_ttl=0,
    max_ttl=0,
)
CACHING_OPTIMIZED_FOR_UNCOMPRESSED_OBJECTS = CachePolicy(
    name="CachingOptimizedForUncompressedObjects",
    id="b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
    min_ttl=1,
    default_ttl=86_400,
    max_ttl=ONE_YEAR,
)
_ORIGIN_CONTROL_HEADERS = (
    "host",
    "origin",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
)
USE_ORIGIN_CACHE_CONTROL_HEADERS = CachePolicy(
    name="UseOriginCacheControlHeaders",
    id="83da9c7e-98b4-4e11-a168-04f0df8e2c65",
    min_ttl=0,
    default_ttl=0,
    max_ttl=ONE_YEAR,
    headers=forwarded_values.headers("whitelist", _ORIGIN_CONTROL_HEADERS),
    cookies=forwarded_values.cookies("all"),
    accept_encoding_gzip=True,
    accept_encoding_brotli=True,
)
USE_ORIGIN_CACHE_CONTROL_HEADERS_QUERY_STRINGS = CachePolicy(
    name="UseOriginCacheControlHeaders-QueryStrings",
    id="4cc15a8a-d715-48a4-82b8-cc0b614638fe",
    min_ttl=0,
    default_ttl=0,
    max_ttl=ONE_YEAR,
    headers=forwarded_values.headers("whitelist", _ORIGIN_CONTROL_HEADERS),
    cookies=forwarded_values.cookies("all"),
    query_strings=forwarded_values.query_strings("all"),
    accept_encoding_gzip=True,
    accept_encoding_brotli=True,
)

AMPLIFY = CachePolicy(
    name="Amplify",
    id="2e54312d-136d-493c-8eb9-b001f22f67d2",
    min_ttl=2,
    default_ttl=2,
    max_ttl=600,
    headers=forwarded_values.headers(
        "whitelist", ("authorization", "cloudfront-viewer-country", "host")
    ),
    cookies=forwarded_values.cookies("all"),
    query_strings=forwarded_values.query_strings("all"),
    accept_encoding_gzip=True,
    accept_encoding_brotli=True,
)
ELEMENTAL_MEDIAPACKAGE = CachePolicy(
    name="Elemental-MediaPackage",
    id="08627262-05a9-4f76-9ded-b50ca2e3a84f",
    min_ttl=0,
    default_ttl=86_400,
    max_ttl=ONE_YEAR,
    headers=forwarded_values.headers("whitelist", ("origin",)),
    query_strings=forwarded_values.query_strings(
        "whitelist", ("aws.manifestfilter", "start", "end", "m")
    ),
    accept_encoding_gzip=True,
)

# [using-managed-cache-policies]
MANAGED: Mapping[str, CachePolicy] = {
    p.id: p
    for p in (
        CACHING_OPTIMIZED,
        CACHING_DISABLED,
        CACHING_OPTIMIZED_FOR_UNCOMPRESSED_OBJECTS,
        USE_ORIGIN_CACHE_CONTROL_HEADERS,
        USE_ORIGIN_CACHE_CONTROL_HEADERS_QUERY_STRINGS,
        AMPLIFY,
        ELEMENTAL_MEDIAPACKAGE,
    )
}


def from_api(policy: Mapping) -> CachePolicy:
    """A policy from GetCachePolicy's `CachePolicy` element."""
    config = policy["CachePolicyConfig"]
    params = config.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    min_ttl = int(config.get("MinTTL", 0))
    return CachePolicy(
        name=config.get("Name") or policy.get("Id", "custom"),
        id=policy.get("Id"),
        min_ttl=min_ttl,
        default_ttl=int(config.get("DefaultTTL", max(min_ttl, 86_400))),
        max_ttl=int(config.get("MaxTTL", max(min_ttl, ONE_YEAR))),
        **forwarded_values.from_api(params),
        accept_encoding_gzip=bool(params.get("EnableAcceptEncodingGzip", False)),
        accept_encoding_brotli=bool(params.get("EnableAcceptEncodingBrotli", False)),
    )


def legacy_cookies(forwarded: Mapping) -> Selection:
    cookies = forwarded.get("Cookies") or {}
    names = items(cookies.get("WhitelistedNames"))
    return forwarded_values.cookies(cookies.get("Forward", "none"), names)


def legacy_headers(forwarded: Mapping) -> Selection:
    names = items(forwarded.get("Headers"))
    if "*" in names:
        return forwarded_values.headers("all")
    return forwarded_values.headers("whitelist" if names else "none", names)


def from_legacy(behaviour: Mapping) -> CachePolicy:
    """The cache key and TTLs of a behaviour without CachePolicyId (legacy cache settings)."""
    forwarded = behaviour.get("ForwardedValues") or {}
    if forwarded.get("QueryString"):
        keys = items(forwarded.get("QueryStringCacheKeys"))
        queries = forwarded_values.query_strings("whitelist" if keys else "all", keys)
    else:
        queries = forwarded_values.query_strings("none")
    return CachePolicy(
        name="legacy",
        min_ttl=int(behaviour.get("MinTTL", 0)),
        default_ttl=int(behaviour.get("DefaultTTL", 86_400)),
        max_ttl=int(behaviour.get("MaxTTL", ONE_YEAR)),
        headers=legacy_headers(forwarded),
        cookies=legacy_cookies(forwarded),
        query_strings=queries,
    )
