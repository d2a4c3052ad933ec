"""The edge's ASGI app: match a behaviour, answer from the cache or the origin, add
CloudFront's headers, apply custom error responses."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from urllib.parse import urlencode

from harness.clock import clock
from harness.data_plane.edge import compression
from harness.data_plane.edge.access_log import EdgeAccessLog
from harness.data_plane.edge.cache import CachedResponse, ResponseCache, cache_key
from harness.data_plane.edge.config import ConfigPoller
from harness.data_plane.edge.distribution import Behaviour, Distribution, Origin
from harness.data_plane.edge.error_caching import error_ttl
from harness.data_plane.edge.forwarding import CONDITIONAL_HEADERS, origin_headers, origin_query
from harness.data_plane.edge.functions.hook import run_viewer_request, run_viewer_response
from harness.data_plane.edge.origins import CustomOrigin, OriginError, OriginResponse, S3Origin
from harness.data_plane.edge.responses import (
    CACHEABLE_ERRORS,
    CACHEABLE_STATUSES,
    EDGE_RESPONSE_HEADERS,
    ERROR,
    HIT,
    REFRESH_HIT,
    EdgeResponse,
    as_miss,
    conditional,
    edge_error,
    from_entry,
    merge_headers,
    new_request_id,
)
from harness.data_plane.edge.ttl import ttl_seconds
from harness.data_plane.edge.viewer import MalformedRequest, ViewerRequest
from harness.data_plane.edge.viewer_protocol import answer_for_http
from harness.plumbing.http_proxy import end_to_end, request_body

log = logging.getLogger("harness.data_plane.edge")


class EdgeApp:
    def __init__(
        self,
        poller: ConfigPoller,
        cache: ResponseCache,
        s3_origin: S3Origin,
        custom_origin: Callable[[], CustomOrigin],
        *,
        via: str,
        pop: str,
        access_log: EdgeAccessLog | None,
    ) -> None:
        self._poller = poller
        self._cache = cache
        self._s3 = s3_origin
        self._custom = custom_origin
        self.via = via
        self.pop = pop
        self._access = access_log
        self.https_port: int | None = None  # set by the part once its HTTPS listener is bound

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        started = time.monotonic()
        request_id = new_request_id()
        request = None
        try:
            request = ViewerRequest.from_scope(scope)
        except MalformedRequest as exc:
            response = edge_error(400, f"Bad request: {exc}")
        else:
            try:
                response = await self.handle(request, receive, request_id)
            except Exception:  # noqa: BLE001 - the edge answers 502, never 500
                log.exception("edge: failed to serve %s %s", request.method, request.path)
                response = edge_error(502, "The edge failed to handle the request.")
        sent = await self._send(send, response, request, request_id)
        if self._access is not None:
            client = request.client_ip if request else "-"
            path = request.path if request else scope.get("path", "-")
            query = request.query if request else ""
            elapsed = (time.monotonic() - started) * 1000
            self._access.write(
                f"{client} {scope.get('method', '-')} {path} {query} {response.status:d}"
                f" {response.x_cache!r} {sent:d} {elapsed:.1f}ms {request_id}"
            )

    async def handle(self, request: ViewerRequest, receive, request_id: str) -> EdgeResponse:
        distribution = self._poller.distribution
        if distribution is None:
            return edge_error(503, "The distribution's configuration is not loaded yet.")
        if not distribution.enabled:
            return edge_error(403, "The distribution is disabled.")
        behaviour = distribution.behaviour_for(request.path)
        if redirect := answer_for_http(behaviour.viewer_protocol, request, self.https_port):
            return redirect
        if request.method not in behaviour.allowed_methods:
            return edge_error(
                403, "This distribution is not configured to allow the HTTP request method."
            )
        if behaviour.config_error:
            return edge_error(502, f"Configuration error: {behaviour.config_error}")
        has_body = request.has_body
        if request.method == "GET" and has_body:
            # [RequestAndResponseBehaviorCustomOrigin] "If a viewer GET request includes a
            # body, CloudFront returns an HTTP status code 403 (Forbidden) to the viewer."
            return edge_error(403, "A GET request with a body is not allowed.")
        body = request_body(receive) if has_body else None
        context = self._function_context(distribution, request_id)
        if function := behaviour.functions.get("viewer-request"):
            request = await run_viewer_request(function, request, context)
            if isinstance(request, EdgeResponse):
                return request
        response = await self.serve(distribution, behaviour, request, request_id, body)
        custom = distribution.error_responses.get(response.status)
        if custom is not None:
            response = await self._custom_error(distribution, custom, request, request_id, response)
        if function := behaviour.functions.get("viewer-response"):
            response = await run_viewer_response(function, request, response, context)
        return response

    def _function_context(self, distribution: Distribution, request_id: str) -> dict:
        return {
            "distributionDomainName": self._poller.domain_name or "",
            "distributionId": distribution.id,
            "requestId": request_id,
        }

    async def serve(
        self,
        distribution: Distribution,
        behaviour: Behaviour,
        request: ViewerRequest,
        request_id: str,
        body: AsyncIterator[bytes] | None,
    ) -> EdgeResponse:
        origin = distribution.origins[behaviour.target_origin_id]
        policy = behaviour.cache_policy
        assert policy is not None
        cacheable = (
            request.method in ("GET", "HEAD") and policy.caches and request.header("range") is None
        )
        origin_path = request.path
        if request.path == "/" and distribution.default_root_object:
            origin_path = "/" + distribution.default_root_object
        if not cacheable:
            return as_miss(
                await self._fetch(origin, behaviour, request, request_id, origin_path, body, False)
            )

        key = cache_key(policy, request.path, request.query, request.headers)
        entry = self._cache.get(key)
        now = clock.monotonic()
        if entry is not None and entry.fresh(now):
            return conditional(request, from_entry(entry, HIT, entry.age(now)))
        validators = {}
        if entry is not None and entry.status == 200:
            if etag := entry.header("etag"):
                validators["if-none-match"] = etag
            if last_modified := entry.header("last-modified"):
                validators["if-modified-since"] = last_modified
        answer = await self._fetch(
            origin, behaviour, request, request_id, origin_path, None, True, validators
        )
        if entry is not None and answer.status >= 500:
            # [HTTPStatusCodes] an expired object whose origin answers 5xx is served stale.
            await answer.close()  # its connection back to the pool (or closed)
            return conditional(request, from_entry(entry, HIT, entry.age(now)))
        if isinstance(answer, EdgeResponse):
            return answer
        if answer.status == 304 and entry is not None and validators:
            await answer.close()
            merged = merge_headers(entry.headers, answer.headers)
            ttl = ttl_seconds(policy, dict(merged))
            refreshed = self._cache.refresh(key, now, ttl) or entry
            refreshed = replace(refreshed, headers=tuple(merged))
            return conditional(request, from_entry(refreshed, REFRESH_HIT, None))
        ttl = self._ttl_for(distribution, behaviour, answer)
        await self._compress(behaviour, request, answer)
        if (
            ttl > 0
            and request.method == "GET"
            and await answer.buffer(self._cache.max_object_bytes)
        ):
            self._cache.put(
                key,
                CachedResponse(
                    status=answer.status,
                    headers=tuple(answer.headers),
                    body=answer.body or b"",
                    stored_at=now,
                    ttl=ttl,
                    path=request.path,
                    query=urlencode(key[1]),
                ),
            )
        return conditional(request, as_miss(answer))

    def _ttl_for(self, distribution: Distribution, behaviour: Behaviour, answer) -> int:
        if answer.status in CACHEABLE_STATUSES:
            return ttl_seconds(behaviour.cache_policy, dict(answer.headers))
        if answer.status in CACHEABLE_ERRORS:
            custom = distribution.error_responses.get(answer.status)
            minimum = custom.caching_min_ttl if custom else None
            return error_ttl(answer.status, dict(answer.headers), minimum)
        return 0

    async def _compress(self, behaviour: Behaviour, request: ViewerRequest, answer) -> None:
        encoding = compression.encoding_for(
            behaviour.compress, behaviour.cache_policy, request.header("accept-encoding")
        )
        if (
            encoding
            and await answer.buffer(compression.MAX_BYTES)
            and compression.eligible(answer.status, answer.headers, answer.body or b"")
        ):
            answer.headers, answer.body = compression.compress(
                answer.headers, answer.body, encoding
            )

    async def _fetch(
        self,
        origin: Origin,
        behaviour: Behaviour,
        request: ViewerRequest,
        request_id: str,
        origin_path: str,
        body: AsyncIterator[bytes] | None,
        cacheable: bool,
        validators: dict[str, str] | None = None,
    ) -> OriginResponse | EdgeResponse:
        try:
            if origin.is_s3:
                conditionals = dict(validators or {})
                if not cacheable:
                    conditionals.update(
                        (n, v) for n, v in request.headers if n in CONDITIONAL_HEADERS
                    )
                return await self._s3.fetch(origin, request.method, origin_path, conditionals)
            headers = origin_headers(
                request.headers,
                method=request.method,
                behaviour=behaviour,
                origin=origin,
                client_ip=request.client_ip,
                via=self.via,
                request_id=request_id,
                cacheable=cacheable,
            )
            headers += list((validators or {}).items())
            query = origin_query(request.query, behaviour)
            return await self._custom().fetch(
                origin, request.method, origin_path, query, headers, body
            )
        except OriginError as exc:
            log.warning("edge: %s %s: %s", request.method, request.path, exc.reason)
            return edge_error(exc.status, exc.reason)

    async def _custom_error(self, distribution, custom, request, request_id, original):
        status = custom.response_code or original.status
        if not custom.page_path:
            return replace(original, status=status, x_cache=ERROR)
        page_request = ViewerRequest(
            method="GET",
            path=custom.page_path,
            query="",
            headers=tuple((n, v) for n, v in request.headers if n not in CONDITIONAL_HEADERS),
            client_ip=request.client_ip,
        )
        behaviour = distribution.behaviour_for(page_request.path)
        if behaviour.config_error:
            return original
        page = await self.serve(distribution, behaviour, page_request, request_id, None)
        if page.status >= 400:
            await page.close()
            return original
        await original.close()
        headers = [(n, v) for n, v in page.headers if n not in ("etag", "last-modified")]
        return replace(page, status=status, headers=headers, x_cache=ERROR, age=None)

    async def _send(self, send, response: EdgeResponse, request, request_id: str) -> int:
        head_only = request is not None and request.method == "HEAD"
        no_body = head_only or response.status in (204, 304) or response.status < 200
        headers = [
            (n, v) for n, v in end_to_end(response.headers) if n not in EDGE_RESPONSE_HEADERS
        ]
        if response.stream is None and not head_only:
            headers = [(n, v) for n, v in headers if n != "content-length"]
            if not no_body:
                headers.append(("content-length", str(len(response.body))))
        earlier_via = [v for n, v in response.headers if n == "via"]
        headers += [
            ("x-cache", response.x_cache),
            ("via", ", ".join([*earlier_via, self.via])),
            ("x-amz-cf-pop", self.pop),
            ("x-amz-cf-id", request_id),
        ]
        if response.age is not None:
            headers.append(("age", str(response.age)))
        sent = 0
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers],
                }
            )
            if no_body:
                await send({"type": "http.response.body", "body": b""})
            elif response.stream is not None:
                async for chunk in response.stream:
                    sent += len(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            else:
                sent = len(response.body)
                await send({"type": "http.response.body", "body": response.body})
        except OSError as exc:
            log.info("edge: viewer went away: %r", exc)
        finally:
            await response.close()
        return sent
