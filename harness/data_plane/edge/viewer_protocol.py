"""A behaviour's ViewerProtocolPolicy applied to a viewer request that arrived over HTTP.

[using-https-viewers-to-cloudfront] redirect-to-https: GET and HEAD get 301 with the HTTPS URL;
POST, PUT, DELETE, OPTIONS and PATCH get 307 (same method and body) over HTTP/1.1 or later and
403 below it. https-only: 403. allow-all: served as sent.
"""

from __future__ import annotations

from harness.data_plane.edge.responses import EdgeResponse, edge_error
from harness.data_plane.edge.viewer import ViewerRequest

ALLOW_ALL = "allow-all"
REDIRECT_TO_HTTPS = "redirect-to-https"
HTTPS_ONLY = "https-only"
POLICIES = (ALLOW_ALL, REDIRECT_TO_HTTPS, HTTPS_ONLY)
REDIRECT = "Redirect from cloudfront"


def https_location(request: ViewerRequest, https_port: int | None) -> str:
    """The same URL over HTTPS. CloudFront's is port 443; the local edge names its own port."""
    host = request.header("host") or "localhost"
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    authority = name if https_port in (None, 443) else f"{name}:{https_port}"
    return f"https://{authority}{request.path}" + (f"?{request.query}" if request.query else "")


def answer_for_http(
    policy: str, request: ViewerRequest, https_port: int | None
) -> EdgeResponse | None:
    """What the edge answers instead of serving, or None when the request may be served."""
    if request.scheme == "https" or policy == ALLOW_ALL:
        return None
    if policy == HTTPS_ONLY:
        return edge_error(403, "This distribution requires HTTPS for this path.")
    if request.method in ("GET", "HEAD"):
        status = 301
    elif request.http_version in ("0.9", "1.0"):
        return edge_error(403, "HTTP/1.0 requests that change data are not redirected to HTTPS.")
    else:
        status = 307
    return EdgeResponse(
        status=status,
        headers=[
            ("location", https_location(request, https_port)),
            ("content-type", "text/html"),
            ("server", "CloudFront"),
        ],
        x_cache=REDIRECT,
        body=(
            f"<html><head><title>{status} Moved</title></head><body>"
            f"<center><h1>{status} Moved</h1></center>"
            "<hr><center>CloudFront</center></body></html>\n"
        ).encode(),
    )
