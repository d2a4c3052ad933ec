"""The viewer's request as the edge needs it, checked: a malformed one is a 400, not a crash."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from harness.plumbing.http_proxy import has_body

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class MalformedRequest(ValueError):
    pass


@dataclass(frozen=True)
class ViewerRequest:
    method: str
    path: str  # as sent, percent-encoded
    query: str
    headers: tuple[tuple[str, str], ...]  # lower-case names
    client_ip: str
    scheme: str = "http"  # how the viewer reached the edge: "http" or "https"
    http_version: str = "1.1"

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n == name), None)

    @property
    def has_body(self) -> bool:
        return has_body(self.headers)

    @classmethod
    def from_scope(cls, scope) -> ViewerRequest:
        method = scope.get("method", "")
        if not _TOKEN.match(method):
            raise MalformedRequest(f"bad method {method!r}")
        raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
        try:
            path = raw_path.decode("ascii")
            query = scope.get("query_string", b"").decode("ascii")
        except UnicodeDecodeError:
            raise MalformedRequest("non-ASCII bytes in the request target") from None
        if not path.startswith("/"):
            raise MalformedRequest(f"request target {path!r} is not an absolute path")
        if _BAD_ESCAPE.search(path):
            raise MalformedRequest("bad percent-encoding in the path")
        try:
            decoded = unquote(path, errors="strict")
        except UnicodeDecodeError:
            raise MalformedRequest("the path is not UTF-8 once decoded") from None
        if any(ord(c) < 0x20 or c == "\x7f" for c in decoded):
            raise MalformedRequest("control characters in the path")
        headers = tuple(
            (n.decode("latin-1").lower(), v.decode("latin-1")) for n, v in scope.get("headers", [])
        )
        for name, value in headers:
            if name == "content-length" and not value.strip().isdigit():
                raise MalformedRequest(f"bad Content-Length {value!r}")
        client = scope.get("client") or ("127.0.0.1", 0)
        return cls(
            method,
            path,
            query,
            headers,
            client[0],
            scheme=scope.get("scheme", "http"),
            http_version=scope.get("http_version", "1.1"),
        )
