"""What the edge answers: its response type, CloudFront's X-Cache values, error pages, and
the conditional (304) and cache-entry forms of a response."""

from __future__ import annotations

import base64
import email.utils
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

from harness.data_plane.edge.cache import CachedResponse
from harness.data_plane.edge.origins import OriginResponse
from harness.data_plane.edge.viewer import ViewerRequest

HIT = "Hit from cloudfront"
MISS = "Miss from cloudfront"
REFRESH_HIT = "RefreshHit from cloudfront"
ERROR = "Error from cloudfront"

CACHEABLE_STATUSES = frozenset({200, 203, 300, 301, 410})
# Error responses CloudFront caches (for ErrorCachingMinTTL, 10 s unless configured).
CACHEABLE_ERRORS = frozenset({400, 403, 404, 405, 414, 500, 501, 502, 503, 504})  # not 416
NOT_MODIFIED_HEADERS = frozenset(
    {"etag", "cache-control", "expires", "last-modified", "vary", "content-location"}
)
EDGE_RESPONSE_HEADERS = frozenset({"x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id", "age"})


def new_request_id() -> str:
    """Like CloudFront's X-Amz-Cf-Id: 56 characters of URL-safe base64."""
    # random, not secrets: an ID need not be unpredictable, and os.urandom is a system call.
    return base64.urlsafe_b64encode(random.randbytes(42)).decode()


@dataclass
class EdgeResponse:
    status: int
    headers: list[tuple[str, str]]
    x_cache: str
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None
    age: int | None = None
    origin: OriginResponse | None = field(default=None, repr=False)

    async def close(self) -> None:
        if self.stream is not None and hasattr(self.stream, "aclose"):
            await self.stream.aclose()
        if self.origin is not None:
            await self.origin.close()


def edge_error(status: int, message: str) -> EdgeResponse:
    body = f"{status} ERROR\nThe request could not be satisfied.\n{message}\n".encode()
    return EdgeResponse(
        status=status,
        headers=[("content-type", "text/plain; charset=utf-8"), ("server", "CloudFront")],
        x_cache=ERROR,
        body=body,
    )


def as_miss(answer: OriginResponse | EdgeResponse) -> EdgeResponse:
    if isinstance(answer, EdgeResponse):
        return answer
    return EdgeResponse(
        status=answer.status,
        headers=answer.headers,
        x_cache=ERROR if answer.status >= 400 else MISS,
        body=answer.body or b"",
        stream=answer.stream,
        origin=answer,
    )


def from_entry(entry: CachedResponse, x_cache: str, age: int | None) -> EdgeResponse:
    return EdgeResponse(
        status=entry.status,
        headers=list(entry.headers),
        x_cache=ERROR if entry.status >= 400 else x_cache,
        body=entry.body,
        age=age,
    )


def conditional(request: ViewerRequest, response: EdgeResponse) -> EdgeResponse:
    """Answer the viewer's If-None-Match / If-Modified-Since from a complete 200."""
    if response.status != 200 or request.method not in ("GET", "HEAD"):
        return response
    etag = next((v for n, v in response.headers if n == "etag"), None)
    if_none_match = request.header("if-none-match")
    if if_none_match is not None:
        wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if etag is None or not ("*" in wanted or etag.removeprefix("W/") in wanted):
            return response
    else:
        since = _parse_date(request.header("if-modified-since"))
        if since is None:
            return response
        modified = _parse_date(next((v for n, v in response.headers if n == "last-modified"), None))
        if modified is None or modified > since:
            return response
    return replace(
        response,
        status=304,
        headers=[(n, v) for n, v in response.headers if n in NOT_MODIFIED_HEADERS],
        body=b"",
        stream=None,
    )


def merge_headers(stored, fresh) -> list[tuple[str, str]]:
    """A cached response's headers updated by a 304's (RFC 9111 4.3.4)."""
    updates = {n: v for n, v in fresh if n in NOT_MODIFIED_HEADERS}
    merged = [(n, updates.pop(n, v)) for n, v in stored]
    return merged + list(updates.items())


def _parse_date(value: str | None):
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
