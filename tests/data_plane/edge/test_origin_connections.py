"""The edge's connections to a custom origin: kept alive between requests for the origin's
keep-alive timeout, on the stack clock, then closed; given back after every kind of answer.

[DownloadDistValuesOrigin] (CloudFront developer guide, "Origin settings", "Keep-alive timeout
(custom origins only)",
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html#DownloadDistValuesOriginKeepaliveTimeout):
"The keep-alive timeout is how long (in seconds) CloudFront tries to maintain a connection to
your custom origin after it gets the last packet of a response. ... The default timeout is 5
seconds."
"""

from __future__ import annotations

import uuid

import httpx
from starlette.responses import PlainTextResponse, Response

from harness.data_plane.edge import Edge
from harness.data_plane.edge.cache_policy import CACHING_DISABLED
from harness.plumbing.servers import ServerThread

DOMAIN = "kept-origin.example.com"


async def peer_port(scope, receive, send) -> None:
    """Answers with the client port of the connection that carried the request."""
    await PlainTextResponse(str(scope["client"][1]))(scope, receive, send)


class RevalidatedOrigin:
    """Answers 304 to a request naming its ETag, else 200; notes the client port of each."""

    def __init__(self) -> None:
        self.ports: list[int] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        self.ports.append(scope["client"][1])
        headers = dict(scope["headers"])
        if headers.get(b"if-none-match") == b'"v1"':
            response = Response(status_code=304, headers={"ETag": '"v1"'})
        else:
            response = PlainTextResponse("page", headers={"ETag": '"v1"'})
        await response(scope, receive, send)


def distribution_config(keepalive_timeout: int, *, default_ttl: int | None = None) -> dict:
    methods = {"Quantity": 2, "Items": ["GET", "HEAD"]}
    behaviour = {"CachePolicyId": CACHING_DISABLED.id}
    if default_ttl is not None:  # the legacy settings: a TTL of our own
        behaviour = {
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0,
            "DefaultTTL": default_ttl,
            "MaxTTL": 31536000,
        }
    return {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "origin keep-alive",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "kept",
                    "DomainName": DOMAIN,
                    "CustomOriginConfig": {
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "http-only",
                        "OriginKeepaliveTimeout": keepalive_timeout,
                    },
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "kept",
            "ViewerProtocolPolicy": "allow-all",
            "AllowedMethods": methods | {"CachedMethods": methods},
        }
        | behaviour,
    }


def test_a_connection_is_kept_for_the_origins_keepalive_timeout_on_the_stack_clock(
    endpoints, stack_clock, tmp_path
):
    server = ServerThread(peer_port, name="kept-origin").start()
    cloudfront = endpoints.client("cloudfront")
    config = distribution_config(keepalive_timeout=30)
    distribution = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    edge = Edge(endpoints, distribution, {DOMAIN: server.url}, log_dir=tmp_path).start()
    try:
        with httpx.Client(base_url=edge.url, trust_env=False, timeout=30) as viewer:
            first = viewer.get("/a").text
            stack_clock.advance(20)  # within 30 s (past the 5 s default), with room for load
            within = viewer.get("/b").text
            stack_clock.advance(31)
            past = viewer.get("/c").text
    finally:
        edge.stop()
        server.stop()

    assert within == first  # the same connection, idle for 20 s
    assert past != within  # a new one: the kept one was closed after 30 s


def test_a_revalidation_answered_304_gives_its_connection_back(endpoints, stack_clock, tmp_path):
    """An expired object is revalidated with If-None-Match; the origin's 304 ends an exchange
    like any other, so the next revalidation goes out on the same connection."""
    origin = RevalidatedOrigin()
    server = ServerThread(origin, name="revalidated-origin").start()
    cloudfront = endpoints.client("cloudfront")
    config = distribution_config(keepalive_timeout=30, default_ttl=1)
    distribution = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    edge = Edge(endpoints, distribution, {DOMAIN: server.url}, log_dir=tmp_path).start()
    try:
        with httpx.Client(base_url=edge.url, trust_env=False, timeout=30) as viewer:
            answers = [viewer.get("/page")]
            for _ in range(3):
                stack_clock.advance(2)  # past the 1 s TTL, well within the 30 s keep-alive
                answers.append(viewer.get("/page"))
    finally:
        edge.stop()
        server.stop()

    assert [a.status_code for a in answers] == [200] * 4
    assert [a.headers["x-cache"] for a in answers[1:]] == ["RefreshHit from cloudfront"] * 3
    assert len(origin.ports) == 4
    assert len(set(origin.ports)) == 1, f"a connection per revalidation: {origin.ports}"
