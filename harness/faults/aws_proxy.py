"""The task -> AWS API hop: a small proxy the API tasks are given as their endpoint, which
forwards every call to the emulator the stack's endpoint map names for its service, unless a
fault (hop `aws`, by service and operation) answers instead."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus

import httpx

from harness.control_plane.endpoints import EndpointMap, endpoint_variable
from harness.faults.aws_errors import SERVER_ERRORS, error_response, throttling_error
from harness.faults.http import InjectedReset
from harness.faults.store import FaultStore
from harness.plumbing import in_process
from harness.plumbing.form_fields import form_action
from harness.plumbing.http_proxy import UpstreamPool
from harness.plumbing.servers import ServerThread

log = logging.getLogger("harness.faults.aws_proxy")

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")
# The signing name where it differs from the endpoint's service name.
SIGNING_NAMES = {"elasticloadbalancing": "elbv2", "monitoring": "cloudwatch"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}
GATE_DROPPED = frozenset({"host", "content-length", "connection", "transfer-encoding"})


def service_of(headers: dict[str, str], query: str) -> str | None:
    found = _SCOPE.search(headers.get("authorization", "")) or _SCOPE.search(
        query.replace("%2F", "/")
    )
    if not found:
        return None
    return SIGNING_NAMES.get(found["service"], found["service"])


def operation_of(headers: dict[str, str], body: bytes) -> str | None:
    target = headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return form_action(body.decode("latin-1"))
    return None


UPSTREAM_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class AwsFaultApp:
    def __init__(self, endpoints: EndpointMap, faults: FaultStore) -> None:
        self.endpoints, self.faults = endpoints, faults
        # services whose calls a check answers first, in-process (the ECS agent's IAM gate)
        self.checks: dict[str, Callable[[dict[str, str], bytes], Awaitable[object | None]]] = {}
        self.upstream = UpstreamPool("aws-faults", UPSTREAM_LIMITS, httpx.Timeout(60))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = (scope.get("query_string") or b"").decode("latin-1")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        service = service_of(headers, query)
        operation = operation_of(headers, body)
        fault = self.faults.pick("aws", service=service, operation=operation) if service else None
        if fault is not None:
            log.info("fault %s on %s %s", fault.id, service, operation)
            if fault.kind == "latency":
                await asyncio.sleep(fault.latency_ms / 1000)
            else:
                code, status = (
                    throttling_error(service)
                    if fault.kind == "throttle"
                    else (SERVER_ERRORS[fault.status], fault.status)
                )
                message = f"injected by fault {fault.id}"
                await _send(send, *error_response(service, code, status, message))
                return
        check = self.checks.get(service or "")
        if check is not None:
            refusal = await check(headers, body)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            # forwarded as the gate forwards its own callers: Host and framing set anew
            headers = {k: v for k, v in headers.items() if k not in GATE_DROPPED}
        upstream = self.endpoints.url(service or "s3") or self.endpoints.default
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        here = in_process.served(upstream)
        if here is not None:  # the emulator or the API front, in this process: no socket
            status, answered, content = await here(
                scope["method"], path, query, list(headers.items()), body
            )
            await _send(send, status, answered, content)
            return
        url = upstream.rstrip("/") + path + (f"?{query}" if query else "")
        client = self.upstream.client
        request = client.build_request(
            scope["method"], url, headers=list(headers.items()), content=body
        )
        try:
            answer = await client.send(request, stream=True)
        except httpx.TransportError as exc:
            await _send(send, *unreachable(upstream, exc))
            return
        try:  # the bytes as the emulator sent them: an S3 object's Content-Encoding is its own
            content = b"".join([chunk async for chunk in answer.aiter_raw()])
        finally:
            await answer.aclose()
        await _send(send, answer.status_code, answer.headers.multi_items(), content)


def unreachable(upstream: str, exc: httpx.TransportError) -> tuple[int, dict, bytes]:
    """The answer when the upstream cannot be reached: a gateway's HTML 502 (504 on a
    time-out), naming the upstream. The task's SDK reads an HTML 5xx as a generic server error
    in every protocol and retries it as it retries a refused connection (boto3 retries guide);
    a plain-text 500 failed its XML parser (SNS) with an error it does not retry."""
    status = 504 if isinstance(exc, httpx.TimeoutException) else 502
    log.warning("cannot reach %s: %s", upstream, exc.__class__.__name__)
    text = f"{status} {HTTPStatus(status).phrase}: aws-faults cannot reach {upstream}"
    body = f"<html><body><h1>{text} ({exc.__class__.__name__})</h1></body></html>\n"
    return status, {"content-type": "text/html; charset=utf-8"}, body.encode()


async def _send(send, status: int, headers, body: bytes) -> None:
    """Sends the answer with its end-to-end headers (pairs or a dict) and its own length."""
    pairs = headers.items() if isinstance(headers, dict) else headers
    raw = [
        (k.encode("latin-1"), str(v).encode("latin-1"))
        for k, v in pairs
        if k.lower() not in HOP_BY_HOP
    ]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class AwsFaultProxy:
    """The running part: start/stop/url, and the environment that points a task at it."""

    def __init__(self, endpoints: EndpointMap, faults: FaultStore, port: int = 0) -> None:
        self.endpoints = endpoints
        self._app = AwsFaultApp(endpoints, faults)
        self._server = ServerThread(
            self._app.upstream.serve(self._app), name="aws-faults", port=port, lifespan="on"
        )

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> AwsFaultProxy:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> AwsFaultProxy:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def check(self, services, refusal) -> None:
        """Let `await refusal(headers, body)` answer these services' calls first (after the
        fault rules), in this process: an ASGI response to send, or None to forward the call
        to the endpoints. The ECS agent's IAM gate checks this way without an HTTP hop of
        its own (a hop cost the harness ~10% of its CPU under share load, #14)."""
        for service in services:
            self._app.checks[service] = refusal

    def task_environment(self) -> dict[str, str]:
        """AWS_ENDPOINT_URL and each per-service variable, all to this proxy."""
        env = {"AWS_ENDPOINT_URL": self.url}
        for service in {*self.endpoints.per_service, *self._app.checks}:
            env[endpoint_variable(service)] = self.url
        return env

    def health(self) -> dict:
        return {"url": self.url}


__all__ = ["AwsFaultProxy", "InjectedReset"]
