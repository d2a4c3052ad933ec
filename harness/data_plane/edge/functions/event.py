"""The CloudFront Functions event object, and what the edge makes of a function's answer
[functions-event-structure; edge-function-restrictions-all].

Headers are lower-case; `Cookie` and `Set-Cookie` are represented as `cookies`; a name sent more
than once keeps its first value in `value` and all of them in `multiValue`. When a returned
field has a `multiValue` that changed, that wins over `value`.
"""

from __future__ import annotations

import base64
import binascii
import http
from collections.abc import Iterable

# Not exposed to functions, and a function may not add them: CloudFront answers 502.
DISALLOWED = frozenset(
    {
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "proxy-connection", "trailer", "upgrade", "x-accel-buffering", "x-accel-charset",
        "x-accel-limit-rate", "x-accel-redirect", "x-amzn-auth", "x-amzn-cf-billing",
        "x-amzn-cf-id", "x-amzn-cf-xff", "x-amzn-errortype", "x-amzn-fle-profile",
        "x-amzn-header-count", "x-amzn-header-order", "x-amzn-lambda-integration-tag",
        "x-amzn-requestid", "x-cache", "x-forwarded-proto", "x-real-ip",
    }
)  # fmt: skip
DISALLOWED_PREFIXES = ("x-amz-cf-", "x-edge-")
# Viewer-request functions can read these but not add, change or remove them.
READ_ONLY_REQUEST = frozenset({"content-length", "host", "transfer-encoding", "via"})


class FunctionValidationError(Exception):
    """The function ran but returned something CloudFront cannot use."""

    def __init__(self, message: str, status: int = 503) -> None:
        super().__init__(message)
        self.status = status


def disallowed(name: str) -> bool:
    return name in DISALLOWED or name.startswith(DISALLOWED_PREFIXES)


def fields(pairs: Iterable[tuple[str, str]], *, attributes: bool = False) -> dict:
    """Name/value pairs as the event's field objects, duplicates in `multiValue`."""
    grouped: dict[str, list[dict]] = {}
    for name, value in pairs:
        entry = {"value": value}
        if attributes:
            value, _, attrs = value.partition(";")
            entry = {"value": value.strip()}
            if attrs.strip():
                entry["attributes"] = attrs.strip()
        grouped.setdefault(name, []).append(entry)
    out = {}
    for name, entries in grouped.items():
        out[name] = dict(entries[0])
        if len(entries) > 1:
            out[name]["multiValue"] = entries
    return out


def pairs_of(obj, what: str) -> list[tuple[str, dict]]:
    """A returned `headers`/`querystring`/`cookies` object back into (name, entry) pairs."""
    if obj is None:
        return []
    if not isinstance(obj, dict):
        raise FunctionValidationError(f"{what} is not an object")
    out = []
    for name, field in obj.items():
        if not isinstance(field, dict):
            raise FunctionValidationError(f"{what}.{name} is not an object with a value")
        entries = field.get("multiValue")
        if isinstance(entries, list) and entries:
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                    raise FunctionValidationError(f"{what}.{name}.multiValue has a bad entry")
                out.append((name, entry))
        else:
            if not isinstance(field.get("value"), str):
                raise FunctionValidationError(f"{what}.{name}.value is not a string")
            out.append((name, field))
    return out


def request_object(method: str, uri: str, query: str, headers) -> dict:
    cookies = []
    for name, value in headers:
        if name == "cookie":
            for part in value.split(";"):
                key, sep, val = part.strip().partition("=")
                if key:
                    cookies.append((key, val if sep else ""))
    querystring = []
    for part in query.split("&") if query else []:
        key, _, val = part.partition("=")
        querystring.append((key, val))
    shown = [(n, v) for n, v in headers if n != "cookie" and not disallowed(n)]
    return {
        "method": method,
        "uri": uri,
        "querystring": fields(querystring),
        "headers": fields(shown),
        "cookies": fields(cookies),
    }


def response_object(status: int, headers) -> dict:
    shown = [(n, v) for n, v in headers if n != "set-cookie" and not disallowed(n)]
    return {
        "statusCode": status,
        "statusDescription": _reason(status),
        "headers": fields(shown),
        "cookies": fields([(c.partition("=")[0], c.partition("=")[2]) for n, c in headers
                           if n == "set-cookie"], attributes=True),
    }  # fmt: skip


def returned_headers(obj, original, read_only=frozenset()) -> list[tuple[str, str]]:
    headers = []
    for name, entry in pairs_of(obj, "headers"):
        if name != name.lower():
            raise FunctionValidationError(f"header name {name!r} is not lower-case")
        if disallowed(name) or name in ("cookie", "set-cookie"):
            raise FunctionValidationError(f"the function added header {name!r}", status=502)
        headers.append((name, entry["value"]))
    if read_only:
        before = [(n, v) for n, v in original if n in read_only]
        after = [(n, v) for n, v in headers if n in read_only]
        if sorted(before) != sorted(after):
            raise FunctionValidationError("the function changed a read-only header", status=502)
    return headers


def query_string(obj) -> str:
    return "&".join(
        f"{name}={entry['value']}" if entry["value"] else name
        for name, entry in pairs_of(obj, "querystring")
    )


def cookie_header(obj) -> str | None:
    pairs = [f"{name}={entry['value']}" for name, entry in pairs_of(obj, "cookies")]
    return "; ".join(pairs) or None


def set_cookies(obj) -> list[str]:
    out = []
    for name, entry in pairs_of(obj, "cookies"):
        value = f"{name}={entry['value']}"
        attributes = entry.get("attributes")
        out.append(f"{value}; {attributes}" if attributes else value)
    return out


def body_of(body) -> bytes:
    """A returned `body`: a string (text), or {data, encoding: text|base64}."""
    if isinstance(body, str):
        return body.encode()
    if not isinstance(body, dict) or not isinstance(body.get("data"), str):
        raise FunctionValidationError("body is neither a string nor {data, encoding}")
    encoding = body.get("encoding", "text")
    if encoding == "text":
        return body["data"].encode()
    if encoding == "base64":
        try:
            return base64.b64decode(body["data"], validate=True)
        except binascii.Error:
            raise FunctionValidationError("body.data is not valid base64") from None
    raise FunctionValidationError(f"body.encoding {encoding!r} is neither text nor base64")


def status_of(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise FunctionValidationError(f"statusCode {value!r} is not an integer HTTP status")
    return value


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
