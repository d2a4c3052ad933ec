"""An in-process moto server, a stand-in custom origin, and a distribution shaped like the
harness's: default -> web bucket, /api/* -> custom origin (CachingDisabled,
AllViewerExceptHostHeader), /media/* -> media bucket, the SPA error response (404 only), and
bucket policies that let the distribution read both buckets and list the web one."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse

from harness.control_plane.provision.storage import cloudfront_read_policy
from harness.data_plane.edge import Edge
from harness.data_plane.edge.cache_policy import CACHING_DISABLED, CACHING_OPTIMIZED
from harness.data_plane.edge.origin_request_policy import ALL_VIEWER_EXCEPT_HOST_HEADER
from harness.plumbing.servers import ServerThread

ALB_DOMAIN = "animehub-alb-123456.us-east-1.elb.amazonaws.com"
DOWN_DOMAIN = "down-alb-1.us-east-1.elb.amazonaws.com"
INDEX = b"<!doctype html><title>AnimeHub</title>"


class StandInOrigin:
    """Counts requests per path and echoes what it received."""

    domain = ALB_DOMAIN

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        path = request.url.path
        self.hits[path] = self.hits.get(path, 0) + 1
        if path == "/api/upload":
            body = await request.body()
            response = StreamingResponse(self._echo(body), media_type="text/plain")
        elif path.startswith("/api/status/"):
            status = int(path.rsplit("/", 1)[1])
            response = JSONResponse({"status": status}, status_code=status)
        elif path == "/api/slow":
            await asyncio.sleep(1.3)
            response = JSONResponse({"slow": True})
        else:
            response = JSONResponse(
                {
                    "method": request.method,
                    "path": path,
                    "query": request.url.query,
                    "headers": dict(request.headers),
                    "count": self.hits[path],
                }
            )
        await response(scope, receive, send)

    @staticmethod
    async def _echo(body: bytes):
        for line in body.split(b","):
            yield b"got:" + line + b"\n"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def origin():
    stand_in = StandInOrigin()
    thread = ServerThread(stand_in, name="stand-in-alb").start()
    stand_in.url = thread.url
    yield stand_in
    thread.stop()


@pytest.fixture(scope="module")
def buckets(endpoints):
    s3 = endpoints.client("s3")
    suffix = uuid.uuid4().hex[:8]
    web, media = f"web-{suffix}", f"media-{suffix}"
    for bucket in (web, media):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=web, Key="index.html", Body=INDEX, ContentType="text/html")
    return s3, web, media


def distribution_config(web: str, media: str) -> dict:
    all_methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]

    def behaviour(pattern, target, policy, request_policy=None, methods=("GET", "HEAD")):
        item = {
            "PathPattern": pattern,
            "TargetOriginId": target,
            "ViewerProtocolPolicy": "allow-all",
            "CachePolicyId": policy,
            "Compress": True,
            "AllowedMethods": {
                "Quantity": len(methods),
                "Items": list(methods),
                "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
            },
        }
        if request_policy:
            item["OriginRequestPolicyId"] = request_policy
        return item

    def custom_origin(origin_id, domain):
        return {
            "Id": origin_id,
            "DomainName": domain,
            "CustomOriginConfig": {
                "HTTPPort": 80,
                "HTTPSPort": 443,
                "OriginProtocolPolicy": "http-only",
                "OriginReadTimeout": 1,
            },
        }

    default = behaviour("*", "web", CACHING_OPTIMIZED.id)
    del default["PathPattern"]
    return {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "edge tests",
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {
            "Quantity": 4,
            "Items": [
                {
                    "Id": "web",
                    "DomainName": f"{web}.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                },
                {
                    "Id": "media",
                    "DomainName": f"{media}.s3.us-east-1.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                },
                custom_origin("alb", ALB_DOMAIN),
                custom_origin("down", DOWN_DOMAIN),
            ],
        },
        "DefaultCacheBehavior": default,
        "CacheBehaviors": {
            "Quantity": 3,
            "Items": [
                behaviour(
                    "/api/*",
                    "alb",
                    CACHING_DISABLED.id,
                    ALL_VIEWER_EXCEPT_HOST_HEADER.id,
                    all_methods,
                ),
                behaviour("/media/*", "media", CACHING_OPTIMIZED.id),
                behaviour("/down/*", "down", CACHING_DISABLED.id, ALL_VIEWER_EXCEPT_HOST_HEADER.id),
            ],
        },
        "CustomErrorResponses": {
            "Quantity": 1,
            "Items": [
                {
                    "ErrorCode": 404,
                    "ResponsePagePath": "/index.html",
                    "ResponseCode": "200",
                    "ErrorCachingMinTTL": 10,
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def distribution(endpoints, buckets):
    s3, web, media = buckets
    cloudfront = endpoints.client("cloudfront")
    answer = cloudfront.create_distribution(DistributionConfig=distribution_config(web, media))
    arn = answer["Distribution"]["ARN"]
    for bucket, listable in ((web, True), (media, False)):
        policy = cloudfront_read_policy(bucket, arn, listable=listable)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return answer["Distribution"]["Id"]


@pytest.fixture(scope="module")
def edge(endpoints, distribution, origin, tmp_path_factory):
    """One edge for a module's tests: each test uses its own paths."""
    tmp_path = tmp_path_factory.mktemp("edge")
    origin_urls = {ALB_DOMAIN: origin.url, DOWN_DOMAIN: f"http://127.0.0.1:{_closed_port()}"}
    running = Edge(
        endpoints, distribution, origin_urls, refresh_interval=0.2, log_dir=tmp_path
    ).start()
    yield running
    running.stop()
