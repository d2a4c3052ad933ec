"""A viewer's conditional GET answered from a complete 200 (`responses.conditional`).

The rules are HTTP's (RFC 9110 13.1.3 If-Modified-Since, 13.2.2 If-None-Match evaluated first),
which a cache answers from its stored copy; CloudFront's guide describes only the origin side
of conditional GETs (RequestAndResponseBehaviorS3Origin, "Conditional GETs"), so the viewer
side here is *unverified* against an AWS page.
"""

from __future__ import annotations

from harness.data_plane.edge.responses import HIT, EdgeResponse, conditional
from harness.data_plane.edge.viewer import ViewerRequest

LAST_MODIFIED = "Tue, 24 Nov 2026 08:00:00 GMT"


def cached() -> EdgeResponse:
    headers = [("content-type", "text/css"), ("etag", '"abc"'), ("last-modified", LAST_MODIFIED)]
    return EdgeResponse(status=200, headers=headers, x_cache=HIT, body=b"body{}")


def viewer(*headers: tuple[str, str]) -> ViewerRequest:
    return ViewerRequest("GET", "/app.css", "", headers, "127.0.0.1")


def test_not_modified_since_the_viewer_s_date_is_a_304_with_the_validators_only():
    answer = conditional(viewer(("if-modified-since", LAST_MODIFIED)), cached())
    assert answer.status == 304 and answer.body == b""
    assert dict(answer.headers) == {"etag": '"abc"', "last-modified": LAST_MODIFIED}


def test_modified_after_the_viewer_s_date_or_no_date_is_the_whole_answer():
    earlier = "Tue, 24 Nov 2026 07:59:59 GMT"
    assert conditional(viewer(("if-modified-since", earlier)), cached()).status == 200
    assert conditional(viewer(), cached()).status == 200
    assert conditional(viewer(("if-modified-since", "yesterday")), cached()).status == 200


def test_if_none_match_decides_before_if_modified_since():
    both = (("if-none-match", '"other"'), ("if-modified-since", LAST_MODIFIED))
    assert conditional(viewer(*both), cached()).status == 200
    assert conditional(viewer(("if-none-match", 'W/"abc"')), cached()).status == 304
