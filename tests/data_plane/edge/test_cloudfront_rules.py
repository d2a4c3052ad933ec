"""CloudFront rules the edge follows, each with the AWS page it comes from."""

from __future__ import annotations

import uuid

import httpx
import pytest

from harness.data_plane.edge import cache_policy, origin_request_policy
from harness.data_plane.edge.cache import CachedResponse, ResponseCache
from harness.data_plane.edge.error_caching import error_ttl


@pytest.fixture
def viewer(edge):
    with httpx.Client(base_url=edge.url, trust_env=False, timeout=10) as client:
        yield client


def test_a_get_with_a_body_is_refused_with_403(viewer, origin):
    """[RequestAndResponseBehaviorCustomOrigin] "If a viewer GET request includes a body,
    CloudFront returns an HTTP status code 403 (Forbidden) to the viewer." """
    before = origin.hits.get("/api/echo", 0)

    refused = viewer.request("GET", "/api/echo", content=b"{}")
    posted = viewer.post("/api/echo", content=b"{}")

    assert refused.status_code == 403
    assert refused.headers["x-cache"] == "Error from cloudfront"
    assert origin.hits["/api/echo"] == before + 1  # only the POST reached the origin
    assert posted.status_code == 200


@pytest.mark.parametrize(
    ("status", "headers", "minimum", "ttl"),
    [
        (404, {}, None, 10),  # ErrorCachingMinTTL defaults to 10 s
        (404, {}, 30, 30),  # the custom error response's ErrorCachingMinTTL
        (503, {"cache-control": "max-age=60"}, None, 60),  # the origin's max-age if larger
        (503, {"cache-control": "s-maxage=120, max-age=60"}, 5, 120),
        (500, {"cache-control": "max-age=3"}, None, 10),  # ...never shorter than the minimum
        (416, {"cache-control": "max-age=60"}, 30, 0),  # 416 is never cached
        (404, {"cache-control": "no-store"}, None, 0),  # no-store honoured for 404
        (503, {"cache-control": "no-store"}, None, 10),  # ...but not for 503
    ],
)
def test_error_caching_ttl(status, headers, minimum, ttl):
    """[HTTPStatusCodes, custom-error-pages-expiration]"""
    assert error_ttl(status, headers, minimum) == ttl


def test_cors_custom_origin_forwards_the_origin_header_and_no_query_string():
    """[using-managed-origin-request-policies] CORS-CustomOrigin: header Origin; cookies none;
    query strings none."""
    policy = origin_request_policy.MANAGED["59781a5b-3903-41f3-afcb-af62929ccde1"]
    assert policy.headers.includes("origin") and not policy.headers.includes("user-agent")
    assert not policy.query_strings.includes("page")
    assert not policy.cookies.includes("session")


def test_every_managed_policy_in_the_docs_is_known():
    """[using-managed-cache-policies, using-managed-origin-request-policies]"""
    amplify = cache_policy.MANAGED["2e54312d-136d-493c-8eb9-b001f22f67d2"]
    assert (amplify.min_ttl, amplify.default_ttl, amplify.max_ttl) == (2, 2, 600)
    assert amplify.headers.includes("authorization") and amplify.query_strings.includes("x")
    media_package = cache_policy.MANAGED["08627262-05a9-4f76-9ded-b50ca2e3a84f"]
    assert media_package.query_strings.includes("aws.manifestfilter")
    assert not media_package.query_strings.includes("other")
    assert media_package.accept_encoding_gzip and not media_package.accept_encoding_brotli
    media_tailor = origin_request_policy.MANAGED["775133bc-15f2-49f9-abea-afb2e0bf67d2"]
    assert media_tailor.headers.includes("user-agent") and media_tailor.query_strings.includes("q")


@pytest.fixture
def text_objects(buckets):
    s3, web, _ = buckets
    suffix = uuid.uuid4().hex[:8]
    big = ("AnimeHub " * 600).encode()  # 5,400 bytes
    s3.put_object(Bucket=web, Key=f"big-{suffix}.html", Body=big, ContentType="text/html")
    s3.put_object(Bucket=web, Key=f"small-{suffix}.html", Body=big[:999], ContentType="text/html")
    s3.put_object(Bucket=web, Key=f"big-{suffix}.png", Body=big, ContentType="image/png")
    return suffix, big


@pytest.mark.parametrize(("accept", "encoding"), [("gzip", "gzip"), ("gzip, br", "br")])
def test_compression_by_accept_encoding_with_a_weak_etag(viewer, text_objects, accept, encoding):
    """[ServingCompressedFiles] br is preferred over gzip; a strong ETag becomes weak."""
    suffix, big = text_objects

    answer = viewer.get(f"/big-{suffix}.html", headers={"Accept-Encoding": accept})
    plain = viewer.get(f"/big-{suffix}.html", headers={"Accept-Encoding": "identity"})

    assert answer.headers["content-encoding"] == encoding
    assert answer.content == big  # httpx decoded it
    assert int(answer.headers["content-length"]) < len(big)
    assert answer.headers["etag"].startswith('W/"')
    assert "accept-encoding" in answer.headers["vary"].lower()
    assert "content-encoding" not in plain.headers and plain.content == big
    assert not plain.headers["etag"].startswith("W/")


def test_no_compression_under_1000_bytes_or_for_other_types(viewer, text_objects):
    """[ServingCompressedFiles] 1,000 to 10,000,000 bytes, listed content types only."""
    suffix, _ = text_objects
    small = viewer.get(f"/small-{suffix}.html", headers={"Accept-Encoding": "gzip"})
    image = viewer.get(f"/big-{suffix}.png", headers={"Accept-Encoding": "gzip"})

    assert "content-encoding" not in small.headers
    assert "content-encoding" not in image.headers


@pytest.mark.parametrize(
    ("invalidation", "purged"),
    [
        ("/app.js", {"/app.js"}),  # no query string: only the object cached without one
        ("/app.js?v=2", {"/app.js?v=2"}),
        ("/app.js?lang=en&v=3", {"/app.js?v=3&lang=en"}),  # the same pairs in any order
        ("/app.js*", {"/app.js", "/app.js?v=2", "/app.js?v=3&lang=en"}),
        ("/app.js?v=*", {"/app.js?v=2", "/app.js?v=3&lang=en"}),
    ],
)
def test_invalidation_paths_name_query_strings_in_the_cache_key(invalidation, purged):
    """[invalidation-specifying-objects] with query strings in the cache key, an invalidation
    path names them; `*` at the end matches any rest of the URI, query string included."""
    cache = ResponseCache()
    for uri in ("/app.js", "/app.js?v=2", "/app.js?v=3&lang=en"):
        path, _, query = uri.partition("?")
        cache.put(
            (uri, (), (), (), ""),
            CachedResponse(200, (), b"x", stored_at=0.0, ttl=60, path=path, query=query),
        )

    cache.purge([invalidation])

    left = {e["path"] + (f"?{k}" if (k := e.get("query")) else "") for e in cache.describe()}
    assert {"/app.js", "/app.js?v=2", "/app.js?v=3&lang=en"} - left == purged
