"""What the edge sends to an origin: CloudFront's own headers plus the viewer values that the
cache key and the origin request policy include.

Without an origin request policy CloudFront forwards only the cache key's values; on top of
those the edge always sends what a request body needs (Content-Type, Content-Length), the
conditional and Range headers of requests it will not cache, and Authorization for methods
other than GET/HEAD/OPTIONS (CloudFront documents forwarding it for those).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote_plus

from harness.data_plane.edge import forwarded_values
from harness.data_plane.edge.cache import cookie_pairs, normalised_accept_encoding
from harness.data_plane.edge.distribution import Behaviour, Origin
from harness.data_plane.edge.forwarded_values import Selection
from harness.plumbing.http_proxy import hop_by_hop

BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})
CONDITIONAL_HEADERS = frozenset(
    {"if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range", "range"}
)
# Set by the edge itself, whatever the policies say.
EDGE_HEADERS = frozenset({"x-forwarded-for", "via", "x-amz-cf-id", "cookie", "accept-encoding"})


def forwarded_headers(behaviour: Behaviour) -> Selection:
    policy = behaviour.cache_policy
    keyed = policy.headers if policy else forwarded_values.headers("none")
    request = behaviour.origin_request_policy
    return keyed.union(request.headers) if request else keyed


def forwarded_cookies(behaviour: Behaviour) -> Selection:
    policy = behaviour.cache_policy
    keyed = policy.cookies if policy else forwarded_values.cookies("none")
    request = behaviour.origin_request_policy
    return keyed.union(request.cookies) if request else keyed


def forwarded_query_strings(behaviour: Behaviour) -> Selection:
    policy = behaviour.cache_policy
    keyed = policy.query_strings if policy else forwarded_values.query_strings("none")
    request = behaviour.origin_request_policy
    return keyed.union(request.query_strings) if request else keyed


def origin_query(raw_query: str, behaviour: Behaviour) -> str:
    """The viewer's query string, reduced to the names forwarded, each piece kept as sent."""
    chosen = forwarded_query_strings(behaviour)
    if chosen.behavior == forwarded_values.ALL:
        return raw_query
    if chosen.behavior == forwarded_values.NONE:
        return ""
    pieces = [p for p in raw_query.split("&") if p]
    return "&".join(p for p in pieces if chosen.includes(unquote_plus(p.partition("=")[0])))


def origin_headers(
    viewer_headers: Sequence[tuple[str, str]],
    *,
    method: str,
    behaviour: Behaviour,
    origin: Origin,
    client_ip: str,
    via: str,
    request_id: str,
    cacheable: bool,
) -> list[tuple[str, str]]:
    chosen = forwarded_headers(behaviour)
    hop = hop_by_hop(viewer_headers)
    sent: list[tuple[str, str]] = []
    names: set[str] = set()
    for name, value in viewer_headers:
        if name in hop or name in EDGE_HEADERS:
            continue
        if name in CONDITIONAL_HEADERS and cacheable:
            continue  # the edge fetches whole objects to cache and answers conditionals itself
        if (
            chosen.includes(name)
            or name in BODY_HEADERS
            or (name in CONDITIONAL_HEADERS and behaviour.origin_request_policy is None)
            or (name == "authorization" and method not in ("GET", "HEAD", "OPTIONS"))
        ):
            sent.append((name, value))
            names.add(name)
    if "host" not in names:
        sent.append(("host", origin.domain_name))
    if "user-agent" not in names:
        sent.append(("user-agent", "Amazon CloudFront"))

    policy = behaviour.cache_policy
    normalised = normalised_accept_encoding(policy, viewer_headers) if policy else ""
    if normalised:
        sent.append(("accept-encoding", normalised))
    elif chosen.includes("accept-encoding"):
        sent += [(n, v) for n, v in viewer_headers if n == "accept-encoding"]

    cookies = forwarded_cookies(behaviour)
    kept = [f"{n}={v}" for n, v in cookie_pairs(viewer_headers) if cookies.includes(n)]
    if kept:
        sent.append(("cookie", "; ".join(kept)))

    earlier_hops = [v for n, v in viewer_headers if n == "x-forwarded-for"]
    sent.append(("x-forwarded-for", ", ".join([*earlier_hops, client_ip])))
    earlier_vias = [v for n, v in viewer_headers if n == "via"]
    sent.append(("via", ", ".join([*earlier_vias, via])))
    sent.append(("x-amz-cf-id", request_id))
    custom = {n.lower() for n, _ in origin.custom_headers}
    sent = [(n, v) for n, v in sent if n not in custom]
    sent += [(n.lower(), v) for n, v in origin.custom_headers]
    return sent
