"""[HTTPStatusCodes] When an expired object's origin answers 5xx, CloudFront serves the stale
object it still has rather than the error."""

from __future__ import annotations

import uuid

import httpx
from starlette.responses import PlainTextResponse

from harness.data_plane.edge import Edge
from harness.plumbing.servers import ServerThread
from harness.plumbing.waiting import wait_until

DOMAIN = "flaky-origin.example.com"


class FlakyOrigin:
    def __init__(self) -> None:
        self.failing = False
        self.hits = 0

    async def __call__(self, scope, receive, send) -> None:
        self.hits += 1
        if self.failing:
            response = PlainTextResponse("origin down", status_code=503)
        else:
            response = PlainTextResponse("fresh from the origin", headers={"ETag": '"v1"'})
        await response(scope, receive, send)


def expired(edge) -> bool:
    entries = [e for e in edge.cache_entries() if e["path"] == "/page"]
    return bool(entries) and not entries[0]["fresh"]


def test_an_expired_object_is_served_stale_when_the_origin_answers_5xx(endpoints, tmp_path):
    flaky = FlakyOrigin()
    server = ServerThread(flaky, name="flaky-origin").start()
    methods = {"Quantity": 2, "Items": ["GET", "HEAD"]}
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "stale on 5xx",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "flaky",
                    "DomainName": DOMAIN,
                    "CustomOriginConfig": {
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "http-only",
                    },
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "flaky",
            "ViewerProtocolPolicy": "allow-all",
            "AllowedMethods": methods | {"CachedMethods": methods},
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0,
            "DefaultTTL": 1,
            "MaxTTL": 31536000,
        },
    }
    cloudfront = endpoints.client("cloudfront")
    distribution = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    edge = Edge(endpoints, distribution, {DOMAIN: server.url}, log_dir=tmp_path).start()
    try:
        with httpx.Client(base_url=edge.url, trust_env=False, timeout=10) as viewer:
            first = viewer.get("/page")
            wait_until(lambda: expired(edge), what="the cached /page to expire", timeout=30)
            flaky.failing = True
            second = viewer.get("/page")
    finally:
        edge.stop()
        server.stop()

    assert first.status_code == 200
    assert flaky.hits == 2  # the second request did ask the origin
    assert second.status_code == 200
    assert second.text == "fresh from the origin"
