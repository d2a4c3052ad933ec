import json
import threading
import time
import uuid

import httpx
import pytest

from harness.control_plane.provision.storage import cloudfront_read_policy
from harness.data_plane.edge import Edge
from harness.data_plane.edge.cache_policy import CACHING_DISABLED, CACHING_OPTIMIZED
from harness.errors import HarnessError
from harness.plumbing.waiting import wait_until

# Generous: a wait here only catches a hang (a loaded 2-core machine is slow, not broken).
PATIENCE = 60


@pytest.fixture
def viewer(edge):
    with httpx.Client(base_url=edge.url, trust_env=False, timeout=10) as client:
        yield client


def set_api_cache_policy(endpoints, distribution_id, policy_id):
    cloudfront = endpoints.client("cloudfront")
    current = cloudfront.get_distribution_config(Id=distribution_id)
    config = current["DistributionConfig"]
    for item in config["CacheBehaviors"]["Items"]:
        if item["PathPattern"] == "/api/*":
            item["CachePolicyId"] = policy_id
    cloudfront.update_distribution(
        Id=distribution_id, DistributionConfig=config, IfMatch=current["ETag"]
    )


def test_static_file_miss_then_hit_with_rising_age(viewer, buckets):
    s3, web, _ = buckets
    s3.put_object(Bucket=web, Key="app.js", Body=b"console.log(1)", ContentType="text/javascript")
    s3.put_object(Bucket=web, Key="feed.json", Body=b"[]", CacheControl="max-age=0")
    assert viewer.get("/feed.json").headers["x-cache"] == "Miss from cloudfront"
    first = viewer.get("/app.js")
    assert first.status_code == 200
    assert first.headers["x-cache"] == "Miss from cloudfront"
    assert first.headers["content-type"] == "text/javascript"
    assert first.headers["etag"]
    assert "age" not in first.headers
    assert first.headers["via"].endswith(".cloudfront.net (CloudFront)")
    assert len(first.headers["x-amz-cf-id"]) == 56
    assert first.headers["x-amz-cf-pop"]
    second = viewer.get("/app.js")
    assert second.headers["x-cache"] == "Hit from cloudfront"
    assert second.content == b"console.log(1)"
    time.sleep(1.05)  # this test is about time passing: Age counts the seconds in the cache
    third = viewer.get("/app.js")
    assert third.headers["x-cache"] == "Hit from cloudfront"
    assert int(third.headers["age"]) >= int(second.headers["age"]) + 1
    # max-age=0 under CachingOptimized is kept for the 1 s min TTL, then revalidated.
    revalidated = viewer.get("/feed.json")
    assert (revalidated.headers["x-cache"], revalidated.content) == (
        "RefreshHit from cloudfront",
        b"[]",
    )
    not_modified = viewer.get("/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""


def test_root_gets_default_root_object_and_media_behaviour(viewer, buckets):
    s3, _, media = buckets
    s3, web, media = buckets
    root = viewer.get("/")
    assert root.status_code == 200
    assert root.content == s3.get_object(Bucket=web, Key="index.html")["Body"].read()
    s3.put_object(Bucket=media, Key="media/poster.png", Body=b"PNG", ContentType="image/png")
    poster = viewer.get("/media/poster.png")
    assert (poster.status_code, poster.content) == (200, b"PNG")
    head = viewer.head("/media/poster.png")
    assert head.status_code == 200
    assert head.headers["content-length"] == "3"


def test_spa_deep_link_gets_index_with_configured_status(viewer):
    response = viewer.get("/anime/123")
    assert response.status_code == 200
    assert response.content == viewer.get("/index.html").content
    assert response.headers["content-type"] == "text/html"
    assert response.headers["x-cache"] == "Error from cloudfront"


def test_a_missing_key_is_403_or_404_as_the_bucket_policy_says(
    endpoints, distribution, viewer, buckets
):
    s3, _, media = buckets
    # The web bucket's policy lets the distribution list it: 404, which the SPA page answers.
    assert viewer.get("/nothing-here.js").content == viewer.get("/index.html").content
    # The media bucket's does not: 403 AccessDenied, which no custom error response maps.
    denied = viewer.get(f"/media/{uuid.uuid4().hex}.png")
    assert denied.status_code == 403
    assert "<Code>AccessDenied</Code>" in denied.text
    assert denied.headers["x-cache"] == "Error from cloudfront"
    arn = endpoints.client("cloudfront").get_distribution(Id=distribution)["Distribution"]["ARN"]
    listable = cloudfront_read_policy(media, arn, listable=True)
    s3.put_bucket_policy(Bucket=media, Policy=json.dumps(listable))
    try:
        wait_until(
            lambda: viewer.get(f"/media/{uuid.uuid4().hex}.png").status_code == 200,
            what="a missing media key to answer 200 once listable",
            timeout=PATIENCE,
        )
    finally:
        unlisted = cloudfront_read_policy(media, arn, listable=False)
        s3.put_bucket_policy(Bucket=media, Policy=json.dumps(unlisted))
    wait_until(
        lambda: viewer.get(f"/media/{uuid.uuid4().hex}.png").status_code == 403,
        what="a missing media key to answer 403 again",
        timeout=PATIENCE,
    )


def test_the_api_403_is_not_replaced_by_the_spa_page(viewer):
    refused = viewer.get("/api/status/403")
    assert refused.status_code == 403
    assert refused.json() == {"status": 403}
    assert refused.headers["x-cache"] == "Error from cloudfront"


def test_api_is_never_cached_and_forwards_viewer_headers(viewer, origin):
    headers = {"Authorization": "Bearer abc", "X-Forwarded-For": "203.0.113.9"}
    first = viewer.get("/api/echo?genre=mecha", headers=headers).json()
    second = viewer.get("/api/echo?genre=mecha", headers=headers)
    assert second.headers["x-cache"] == "Miss from cloudfront"
    assert second.json()["count"] == first["count"] + 1
    seen = first["headers"]
    assert first["query"] == "genre=mecha"
    assert seen["authorization"] == "Bearer abc"
    assert seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert seen["host"] == origin.domain  # AllViewerExceptHostHeader: not the viewer's Host
    assert seen["via"].endswith(".cloudfront.net (CloudFront)")
    assert len(seen["x-amz-cf-id"]) == 56


def test_post_body_streams_through_both_ways(viewer):
    def body():
        yield b"one,"
        yield b"two"

    response = viewer.post("/api/upload", content=body(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 200
    assert response.text == "got:one\ngot:two\n"
    assert response.headers["x-cache"] == "Miss from cloudfront"


def test_invalidation_purges_a_changed_object(endpoints, distribution, viewer, buckets):
    s3, web, _ = buckets
    s3.put_object(Bucket=web, Key="images/logo.svg", Body=b"v1")
    assert viewer.get("/images/logo.svg").content == b"v1"
    s3.put_object(Bucket=web, Key="images/logo.svg", Body=b"v2")
    cached = viewer.get("/images/logo.svg")
    assert (cached.content, cached.headers["x-cache"]) == (b"v1", "Hit from cloudfront")
    cloudfront = endpoints.client("cloudfront")
    answer = cloudfront.create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/images/*"]},
            "CallerReference": "x",
        },
    )
    assert answer["Invalidation"]["Status"].lower() == "completed"
    fresh = wait_until(
        lambda: (r := viewer.get("/images/logo.svg")).content == b"v2" and r,
        what="the edge to serve logo.svg v2",
        timeout=PATIENCE,
    )
    assert fresh.headers["x-cache"] == "Miss from cloudfront"


def test_changing_the_api_cache_policy_applies_within_seconds(endpoints, distribution, viewer):
    set_api_cache_policy(endpoints, distribution, CACHING_OPTIMIZED.id)
    try:
        viewer.get("/api/echo?switch=1")
        wait_until(
            lambda: viewer.get("/api/echo?switch=1").headers["x-cache"] == "Hit from cloudfront",
            what="a cache hit on /api/* under CachingOptimized",
            timeout=PATIENCE,
        )
    finally:
        set_api_cache_policy(endpoints, distribution, CACHING_DISABLED.id)
    wait_until(
        lambda: viewer.get("/api/echo?switch=1").headers["x-cache"] == "Miss from cloudfront",
        what="a cache miss on /api/* under CachingDisabled",
        timeout=PATIENCE,
    )
    assert viewer.get("/api/echo?switch=1").headers["x-cache"] == "Miss from cloudfront"


def test_unknown_cache_policy_is_a_configuration_error(endpoints, distribution, edge, viewer):
    set_api_cache_policy(endpoints, distribution, "00000000-0000-0000-0000-000000000000")
    try:
        response = wait_until(
            lambda: (r := viewer.get("/api/echo")).status_code == 502 and r,
            what="a 502 for the broken API behaviour",
            timeout=PATIENCE,
        )
        assert response.headers["x-cache"] == "Error from cloudfront"
        assert "00000000-0000-0000-0000-000000000000" in response.text
        assert edge.health()["config_errors"]
        assert viewer.get("/").status_code == 200  # other behaviours still serve
    finally:
        set_api_cache_policy(endpoints, distribution, CACHING_DISABLED.id)
    wait_until(
        lambda: viewer.get("/api/echo").status_code == 200,
        what="/api/echo to answer 200 again",
        timeout=PATIENCE,
    )
    assert edge.health()["config_errors"] == []


def test_origin_down_is_502_and_timeout_is_504(viewer):
    down = viewer.get("/down/anything")
    assert down.status_code == 502
    assert down.headers["x-cache"] == "Error from cloudfront"
    slow = viewer.get("/api/slow")
    assert slow.status_code == 504
    assert slow.headers["x-cache"] == "Error from cloudfront"


def test_malformed_requests_are_400(edge):
    with httpx.Client(trust_env=False) as client:
        bad_escape = client.get(edge.url + "/bad%zzpath")
        bad_utf8 = client.get(edge.url + "/bad%ffpath")
    assert bad_escape.status_code == 400
    assert bad_utf8.status_code == 400


def test_health_and_cache_entries(edge, viewer):
    viewer.get("/")
    health = edge.health()
    assert health["distribution_id"] == edge.distribution_id
    assert health["config_etag"]
    assert health["last_refresh_error"] is None
    assert health["cache_entries"] >= 1
    patterns = [(b["path_pattern"], b["origin"], b["cache_policy"]) for b in health["behaviours"]]
    assert patterns[0] == ("/api/*", "alb", "CachingDisabled")
    assert patterns[-1] == ("*", "web", "CachingOptimized")
    entry = next(e for e in edge.cache_entries() if e["path"] == "/")
    assert entry["ttl"] == 86_400 and entry["fresh"]
    access_log = edge.log_dir / "edge-access.log"
    wait_until(
        lambda: "GET / " in access_log.read_text(),
        what="GET / in the access log",
        timeout=PATIENCE,
    )


def test_stop_leaves_no_thread_and_closes_the_port(endpoints, distribution, origin):
    before = set(threading.enumerate())
    edge = Edge(endpoints, distribution, {origin.domain: origin.url}).start()
    with httpx.Client(trust_env=False) as client:
        assert client.get(edge.url + "/api/echo").status_code == 200
    url = edge.url
    edge.stop()
    edge.stop()  # idempotent
    # The shared emulator answers the edge's config reads on threads of its own, which may
    # outlive a response by a moment; they are the emulator's, not the edge's.
    leftover = [
        t
        for t in set(threading.enumerate()) - before
        if t.is_alive() and "process_request_thread" not in t.name
    ]
    assert leftover == []
    with pytest.raises(httpx.ConnectError), httpx.Client(trust_env=False) as client:
        client.get(url)


def test_unknown_distribution_fails_start(endpoints):
    with pytest.raises(HarnessError, match="NOPE"):
        Edge(endpoints, "NOPE", {}).start()
