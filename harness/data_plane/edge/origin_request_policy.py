"""Origin request policies: the viewer values forwarded to the origin beyond the cache key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from harness.data_plane.edge import forwarded_values
from harness.data_plane.edge.cache_policy import legacy_cookies, legacy_headers
from harness.data_plane.edge.forwarded_values import Selection


@dataclass(frozen=True)
class OriginRequestPolicy:
    name: str
    headers: Selection
    cookies: Selection
    query_strings: Selection
    id: str | None = None


ALL_VIEWER = OriginRequestPolicy(
    name="AllViewer",
    id="216adef6-5c7f-47e4-b989-5492eafa07d3",
    headers=forwarded_values.headers("all"),
    cookies=forwarded_values.cookies("all"),
    query_strings=forwarded_values.query_strings("all"),
)
# CloudFront adds CloudFront-* headers for the next two; the edge does not generate those.
ALL_VIEWER_AND_CLOUDFRONT_HEADERS = OriginRequestPolicy(
    name="AllViewerAndCloudFrontHeaders-2022-06",
    id="33f36d7e-f396-46d9-90e0-52428a34d9dc",
    headers=forwarded_values.headers("all"),
    cookies=forwarded_values.cookies("all"),
    query_strings=forwarded_values.query_strings("all"),
)
ALL_VIEWER_EXCEPT_HOST_HEADER = OriginRequestPolicy(
    name="AllViewerExceptHostHeader",
    id="b689b0a8-53d0-40ab-baf2-68738e2966ac",
    headers=forwarded_values.headers("allExcept", ["host"]),
    cookies=forwarded_values.cookies("all"),
    query_strings=forwarded_values.query_strings("all"),
)
CORS_CUSTOM_ORIGIN = OriginRequestPolicy(
    name="CORS-CustomOrigin",
    id="59781a5b-3903-41f3-afcb-af62929ccde1",
    headers=forwarded_values.headers("whitelist", ["origin"]),
    cookies=forwarded_values.cookies("none"),
    query_strings=forwarded_values.query_strings("none"),
)
CORS_S3_ORIGIN = OriginRequestPolicy(
    name="CORS-S3Origin",
    id="88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    headers=forwarded_values.headers(
        "whitelist", ["origin", "access-control-request-headers", "access-control-request-method"]
    ),
    cookies=forwarded_values.cookies("none"),
    query_strings=forwarded_values.query_strings("none"),
)
USER_AGENT_REFERER_HEADERS = OriginRequestPolicy(
    name="UserAgentRefererHeaders",
    id="acba4595-bd28-49b8-b9fe-13317c0390fa",
    headers=forwarded_values.headers("whitelist", ["user-agent", "referer"]),
    cookies=forwarded_values.cookies("none"),
    query_strings=forwarded_values.query_strings("none"),
)

ELEMENTAL_MEDIATAILOR = OriginRequestPolicy(
    name="Elemental-MediaTailor-PersonalizedManifests",
    id="775133bc-15f2-49f9-abea-afb2e0bf67d2",
    headers=forwarded_values.headers(
        "whitelist",
        [
            "origin",
            "access-control-request-headers",
            "access-control-request-method",
            "user-agent",
            "x-forwarded-for",
        ],
    ),
    cookies=forwarded_values.cookies("none"),
    query_strings=forwarded_values.query_strings("all"),
)

# [using-managed-origin-request-policies]
MANAGED: Mapping[str, OriginRequestPolicy] = {
    p.id: p
    for p in (
        ALL_VIEWER,
        ALL_VIEWER_AND_CLOUDFRONT_HEADERS,
        ALL_VIEWER_EXCEPT_HOST_HEADER,
        CORS_CUSTOM_ORIGIN,
        CORS_S3_ORIGIN,
        USER_AGENT_REFERER_HEADERS,
        ELEMENTAL_MEDIATAILOR,
    )
}


def from_api(policy: Mapping) -> OriginRequestPolicy:
    """A policy from GetOriginRequestPolicy's `OriginRequestPolicy` element."""
    config = policy["OriginRequestPolicyConfig"]
    return OriginRequestPolicy(
        name=config.get("Name") or policy.get("Id", "custom"),
        id=policy.get("Id"),
        **forwarded_values.from_api(config),
    )


def from_legacy(behaviour: Mapping) -> OriginRequestPolicy:
    """What a legacy behaviour's ForwardedValues send to the origin (more than it keys on when
    QueryStringCacheKeys narrows the key)."""
    forwarded = behaviour.get("ForwardedValues") or {}
    return OriginRequestPolicy(
        name="legacy",
        headers=legacy_headers(forwarded),
        cookies=legacy_cookies(forwarded),
        query_strings=forwarded_values.query_strings(
            "all" if forwarded.get("QueryString") else "none"
        ),
    )
