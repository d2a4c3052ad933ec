"""The two kinds of origin: an S3 bucket read through the emulator's S3 API, and a custom
origin (the ALB) proxied over HTTP. Both answer with an OriginResponse or raise OriginError."""

from __future__ import annotations

import contextlib
import email.utils
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from starlette.concurrency import run_in_threadpool

from harness.data_plane.edge.distribution import Origin
from harness.plumbing.http1_connection import UpstreamFailed, UpstreamTimeout, request_head
from harness.plumbing.http_proxy import HOP_BY_HOP, end_to_end
from harness.plumbing.keep_alive_client import KeepAliveClient, UpstreamResponse
from harness.plumbing.public_roots import public_roots

log = logging.getLogger("harness.data_plane.edge")

CHUNK = 64 * 1024
_S3_HEADERS_DROPPED = frozenset(
    {
        "server",
        "date",
        "connection",
        "x-amzn-requestid",
        "x-amz-request-id",
        "x-amz-id-2",
        "x-amz-content-sha256",
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-expose-headers",
    }
)


class OriginError(Exception):
    """The edge could not get an answer from the origin: 502 (unreachable) or 504 (timeout)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class OriginResponse:
    status: int
    headers: list[tuple[str, str]]  # lower-case names
    body: bytes | None = None
    stream: AsyncIterator[bytes] | None = None
    closer: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n == name), None)

    async def buffer(self, limit: int) -> bool:
        """Read a streamed body into `body` if it fits in `limit` bytes; False if it does not
        (then `stream` still yields the whole body)."""
        if self.stream is None:
            return len(self.body or b"") <= limit
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.stream:
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                self.stream = _chain(chunks, self.stream)
                return False
        self.body, self.stream = b"".join(chunks), None
        await self.close()
        return True

    async def close(self) -> None:
        if self.closer is not None:
            closer, self.closer = self.closer, None
            await closer()


async def _chain(first: list[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in first:
        yield chunk
    async for chunk in rest:
        yield chunk


def _http_date(value) -> str:
    return email.utils.format_datetime(value, usegmt=True)


def _s3_error(status: int, code: str, message: str, method: str) -> OriginResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    return OriginResponse(
        status=status,
        headers=[("content-type", "application/xml"), ("server", "AmazonS3")],
        body=b"" if method == "HEAD" else body,
    )


def _access_denied(bucket: str) -> int:
    return 403


def _no_grant(bucket: str, key: str) -> bool:
    return False


class S3Origin:
    """Reads objects with get_object/head_object as the distribution's Origin Access Control
    would; the boto3 calls run in worker threads.

    `may_read(bucket, key)` says whether the bucket policy grants the OAC s3:GetObject on the key
    (403 AccessDenied if not); `missing_key_status(bucket)` whether a missing key is 403
    AccessDenied or 404 NoSuchKey (see `bucket_policy`). Both answer without an API call.
    """

    def __init__(
        self,
        s3_client,
        *,
        may_read: Callable[[str, str], bool] = _no_grant,
        missing_key_status: Callable[[str], int] = _access_denied,
        buffer_limit: int = 8 << 20,
    ) -> None:
        self._s3 = s3_client
        self._may_read = may_read
        self._missing_key_status = missing_key_status
        self._buffer_limit = buffer_limit

    async def fetch(
        self, origin: Origin, method: str, path: str, conditionals: Mapping[str, str]
    ) -> OriginResponse:
        if method not in ("GET", "HEAD"):
            return _s3_error(403, "AccessDenied", "Access Denied", method)
        key = unquote(origin.origin_path + path, errors="strict").lstrip("/")
        if not key or not self._may_read(origin.bucket, key):
            return _s3_error(403, "AccessDenied", "Access Denied", method)
        params: dict = {"Bucket": origin.bucket, "Key": key}
        for header, param in (
            ("if-none-match", "IfNoneMatch"),
            ("if-match", "IfMatch"),
            ("range", "Range"),
        ):
            if header in conditionals:
                params[param] = conditionals[header]
        for header, param in (
            ("if-modified-since", "IfModifiedSince"),
            ("if-unmodified-since", "IfUnmodifiedSince"),
        ):
            if header in conditionals:
                with contextlib.suppress(TypeError, ValueError):
                    params[param] = email.utils.parsedate_to_datetime(conditionals[header])
        call = self._s3.head_object if method == "HEAD" else self._s3.get_object
        try:
            answer = await run_in_threadpool(call, **params)
        except ClientError as exc:
            return self._client_error(exc, method, origin.bucket)
        except (ReadTimeoutError, ConnectTimeoutError) as exc:
            raise OriginError(504, f"S3 origin {origin.domain_name} timed out: {exc}") from None
        except (EndpointConnectionError, BotoCoreError) as exc:
            raise OriginError(502, f"S3 origin {origin.domain_name} unreachable: {exc}") from None
        meta = answer["ResponseMetadata"]
        headers = [
            (name.lower(), value)
            for name, value in meta.get("HTTPHeaders", {}).items()
            if name.lower() not in _S3_HEADERS_DROPPED and name.lower() not in HOP_BY_HOP
        ]
        if "LastModified" in answer and not any(n == "last-modified" for n, _ in headers):
            headers.append(("last-modified", _http_date(answer["LastModified"])))
        headers.append(("server", "AmazonS3"))
        response = OriginResponse(status=int(meta.get("HTTPStatusCode", 200)), headers=headers)
        if method == "HEAD":
            response.body = b""
            return response
        body = answer["Body"]
        if int(answer.get("ContentLength") or 0) <= self._buffer_limit:
            try:
                response.body = await run_in_threadpool(body.read)
            finally:
                body.close()
            return response
        response.stream = _read_in_threads(body)

        async def close() -> None:
            body.close()

        response.closer = close
        return response

    def _client_error(self, exc: ClientError, method: str, bucket: str) -> OriginResponse:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
        if code in ("304", "NotModified") or status == 304:
            headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            kept = [(n.lower(), v) for n, v in headers.items() if n.lower() in ("etag",)]
            return OriginResponse(status=304, headers=kept, body=b"")
        if code in ("NoSuchKey", "404", "NotFound"):
            if self._missing_key_status(bucket) == 403:
                return _s3_error(403, "AccessDenied", "Access Denied", method)
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.", method)
        return _s3_error(status, code or str(status), error.get("Message", ""), method)


async def _read_in_threads(body) -> AsyncIterator[bytes]:
    try:
        while chunk := await run_in_threadpool(body.read, CHUNK):
            yield chunk
    finally:
        body.close()


class CustomOrigin:
    """Proxies to the local URL standing in for a custom origin's DomainName, on the listener's
    keep-alive connections: each read waits up to the origin's OriginReadTimeout, a connection
    up to its ConnectionTimeout, and an idle one is kept for its OriginKeepaliveTimeout."""

    def __init__(self, client: KeepAliveClient, origin_urls: Mapping[str, str]) -> None:
        self._client = client
        self._origin_urls = {domain: _Local.parse(url) for domain, url in origin_urls.items()}

    async def fetch(
        self,
        origin: Origin,
        method: str,
        path: str,
        query: str,
        headers: Sequence[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> OriginResponse:
        local = self._origin_urls.get(origin.domain_name)
        if local is None:
            raise OriginError(
                502, f"no local URL for custom origin {origin.id} ({origin.domain_name})"
            )
        target = quote(local.path + origin.origin_path + path, safe=_PATH_SAFE)
        if query:
            target += "?" + quote(query, safe=_QUERY_SAFE)
        raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers]
        chunked = body is not None and not any(n == b"content-length" for n, _ in raw)
        if chunked:  # the viewer's Transfer-Encoding is hop-by-hop: without a length, chunks
            raw.append((b"transfer-encoding", b"chunked"))
        try:
            answer = await self._client.request(
                local.address,
                request_head(method.encode("latin-1"), target.encode("ascii"), raw),
                body,
                chunked=chunked,
                head_only=method == "HEAD",
                connect_timeout=origin.connect_timeout,
                timeout=origin.read_timeout,
                keep_alive=origin.keepalive_timeout,
                tls=public_roots() if local.tls else None,
                server_hostname=local.address[0],
            )
        except UpstreamTimeout as exc:
            raise OriginError(504, f"origin {origin.domain_name} timed out: {exc}") from None
        except UpstreamFailed as exc:
            raise OriginError(502, f"origin {origin.domain_name} unreachable: {exc}") from None
        kept = [
            (name.decode("latin-1").lower(), value.decode("latin-1"))
            for name, value in end_to_end(answer.headers)
        ]
        return OriginResponse(
            status=answer.status,
            headers=kept,
            stream=_relay(answer, origin),
            closer=answer.aclose,
        )


@dataclass(frozen=True)
class _Local:
    """Where a custom origin is reached here: address, TLS or not, and a path prefix."""

    address: tuple[str, int]
    tls: bool
    path: str

    @classmethod
    def parse(cls, url: str) -> _Local:
        parts = urlsplit(url)
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        return cls((parts.hostname or "127.0.0.1", port), tls, parts.path.rstrip("/"))


# What stays as is in a request target (RFC 3986 section 3.3/3.4; "%" keeps the viewer's
# escapes, which the edge has checked): anything else is percent-encoded, as httpx did.
_PATH_SAFE = "!$&'()*+,;=:@/%"
_QUERY_SAFE = _PATH_SAFE + "?"


async def _relay(answer: UpstreamResponse, origin: Origin) -> AsyncIterator[bytes]:
    try:
        async for chunk in answer.chunks():
            yield chunk
    except (UpstreamFailed, UpstreamTimeout) as exc:
        log.warning("edge: origin %s broke off a response: %r", origin.domain_name, exc)
    finally:
        await answer.aclose()
