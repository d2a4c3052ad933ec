"""CloudFront's compression [ServingCompressedFiles].

With Compress on the behaviour and the encoding enabled in the cache policy, CloudFront
compresses a response when the viewer's Accept-Encoding names gzip or br (br preferred), the
status is 200, 403 or 404, the Content-Type is one of the documented types, the body is between
1,000 and 10,000,000 bytes and the origin did not encode it already. A strong ETag becomes weak.
"""

from __future__ import annotations

import gzip

import brotli

MIN_BYTES = 1_000
MAX_BYTES = 10_000_000
STATUSES = frozenset({200, 403, 404})
TYPES = frozenset(
    {
        "application/dash+xml", "application/eot", "application/font",
        "application/font-sfnt", "application/javascript", "application/json",
        "application/opentype", "application/otf", "application/pdf",
        "application/pkcs7-mime", "application/protobuf", "application/rss+xml",
        "application/truetype", "application/ttf", "application/vnd.apple.mpegurl",
        "application/vnd.mpegurl", "application/vnd.ms-fontobject", "application/wasm",
        "application/x-font-opentype", "application/x-font-truetype", "application/x-font-ttf",
        "application/x-httpd-cgi", "application/x-javascript", "application/x-mpegurl",
        "application/x-opentype", "application/x-otf", "application/x-perl",
        "application/x-ttf", "application/xhtml+xml", "application/xml", "font/eot",
        "font/opentype", "font/otf", "font/ttf", "image/svg+xml", "text/css", "text/csv",
        "text/html", "text/javascript", "text/js", "text/plain", "text/richtext",
        "text/tab-separated-values", "text/x-component", "text/x-java-source", "text/x-script",
        "vnd.apple.mpegurl",
    }
)  # fmt: skip


def _accepted(accept_encoding: str) -> set[str]:
    accepted = set()
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        if params.strip().replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        accepted.add(name.strip())
    return accepted


def encoding_for(compress: bool, policy, accept_encoding: str | None) -> str | None:
    """The encoding to use for this viewer, before looking at the response."""
    if not compress or policy is None or not accept_encoding:
        return None
    accepted = _accepted(accept_encoding)
    if policy.accept_encoding_brotli and "br" in accepted:
        return "br"
    if policy.accept_encoding_gzip and "gzip" in accepted:
        return "gzip"
    return None


def eligible(status: int, headers: list[tuple[str, str]], body: bytes) -> bool:
    found = dict(headers)
    content_type = (found.get("content-type") or "").split(";", 1)[0].strip().lower()
    return (
        status in STATUSES
        and content_type in TYPES
        and MIN_BYTES <= len(body) <= MAX_BYTES
        and found.get("content-encoding", "identity").lower() == "identity"
    )


def compress(
    headers: list[tuple[str, str]], body: bytes, encoding: str
) -> tuple[list[tuple[str, str]], bytes]:
    packed = brotli.compress(body) if encoding == "br" else gzip.compress(body, mtime=0)
    out = []
    for name, value in headers:
        if name in ("content-length", "content-encoding"):
            continue
        if name == "etag" and not value.startswith("W/"):
            value = "W/" + value
        out.append((name, value))
    vary = [v for n, v in out if n == "vary"]
    if not any("accept-encoding" in v.lower() for v in vary):
        out.append(("vary", "Accept-Encoding"))
    out += [("content-encoding", encoding), ("content-length", str(len(packed)))]
    return out, packed
