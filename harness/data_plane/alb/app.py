"""The listener: an ASGI app that forwards each request to one target, streaming both ways."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from typing import Protocol

import httpx

from harness.data_plane.alb.access_log import AccessLog, AccessRecord
from harness.data_plane.alb.config import TargetAddress
from harness.faults.http import at_target
from harness.plumbing.http_proxy import UpstreamPool, end_to_end, has_body, request_body

log = logging.getLogger(__name__)

ADMIN_PATH = "/__alb/targets"
TARGET_LIMITS = httpx.Limits(
    max_connections=200, max_keepalive_connections=50, keepalive_expiry=4.0
)
STATUS_TEXT = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


class Router(Protocol):
    listener_port: int
    idle_timeout: float
    access_log: AccessLog

    def acquire(self) -> TargetAddress | None: ...
    def release(self, target: TargetAddress) -> None: ...
    def health(self) -> dict: ...


def error_page(status: int) -> bytes:
    title = f"{status} {STATUS_TEXT[status]}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()


def new_trace_id() -> str:
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def trace_header(existing: str | None) -> str:
    """[load-balancer-request-tracing] no header -> a new Root; a header with a Root -> a Self
    field is added, or updated when the header has one already."""
    if not existing or "Root=" not in existing:
        return f"Root={new_trace_id()}"
    fields = [f.strip() for f in existing.split(";") if f.strip()]
    if any(f.startswith("Self=") for f in fields):
        return ";".join(f"Self={new_trace_id()}" if f.startswith("Self=") else f for f in fields)
    return f"Self={new_trace_id()};{existing}"


def forwarded_headers(scope, listener_port: int) -> list[tuple[bytes, bytes]]:
    raw = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
    replaced = {"x-forwarded-proto", "x-forwarded-port"}
    headers = [(k, v) for k, v in end_to_end(raw) if k not in replaced]
    client_ip = (scope.get("client") or ("127.0.0.1", 0))[0]
    previous_for = ", ".join(v for k, v in headers if k == "x-forwarded-for")
    previous_trace = next((v for k, v in headers if k == "x-amzn-trace-id"), None)
    headers = [(k, v) for k, v in headers if k not in ("x-forwarded-for", "x-amzn-trace-id")]
    headers += [
        ("x-forwarded-for", f"{previous_for}, {client_ip}" if previous_for else client_ip),
        ("x-forwarded-proto", "http"),
        ("x-forwarded-port", str(listener_port)),
        ("x-amzn-trace-id", trace_header(previous_trace)),
    ]
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]


class ProxyApp:
    def __init__(self, router: Router) -> None:
        self._router = router
        self.targets = UpstreamPool("alb", TARGET_LIMITS)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: dict[TargetAddress, set[asyncio.Task]] = {}

    def asgi(self):
        """The listener's ASGI app, with the target pool opened and closed on its loop."""
        return self.targets.serve(self)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == ADMIN_PATH and scope["method"] == "GET":
            body = json.dumps(self._router.health(), indent=1).encode()
            await _respond(send, 200, body, b"application/json")
            return
        record = _new_record(scope)
        counted_receive, counted_send = _counting(record, receive, send)
        try:
            target = self._router.acquire()
            if target is None:
                await _respond(counted_send, 503, error_page(503), b"text/html")
                return
            record.target = str(target)
            self._loop = asyncio.get_running_loop()
            forward = asyncio.ensure_future(
                self._forward(target, scope, counted_receive, counted_send, record)
            )
            self._in_flight.setdefault(target, set()).add(forward)
            try:
                await asyncio.wait({forward})
            finally:
                self._in_flight[target].discard(forward)
                self._router.release(target)
            if forward.cancelled():  # cut off at the end of the deregistration delay
                if record.response_started is None:
                    await _respond(counted_send, 502, error_page(502), b"text/html")
                    return
                raise ConnectionAbortedError("deregistration delay ended mid-response")
            forward.result()
        finally:
            self._router.access_log.write(record, time.time())

    def cut_off(self, target: TargetAddress) -> None:
        """End the requests still running on `target`; callable from any thread."""
        if self._loop is None or self._loop.is_closed():
            return
        for forward in list(self._in_flight.get(target, ())):
            self._loop.call_soon_threadsafe(forward.cancel)

    async def _forward(
        self, target: TargetAddress, scope, receive, send, record: AccessRecord
    ) -> None:
        idle = self._router.idle_timeout
        timeout = httpx.Timeout(idle, connect=min(10.0, idle))
        path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string") or b""
        url = f"http://{target.ip}:{target.port}{path.decode('latin-1')}"
        if query:
            url += "?" + query.decode("latin-1")
        headers = forwarded_headers(scope, self._router.listener_port)
        record.trace_id = headers[-1][1].decode("latin-1")
        client = self.targets.client
        request = client.build_request(
            scope["method"],
            url,
            headers=headers,
            content=request_body(receive) if has_body(scope["headers"]) else None,
            timeout=timeout,
        )
        record.target_started = time.time()
        faults = getattr(self._router, "faults", None)
        try:
            response = await at_target(faults, str(target), scope["path"], idle)
            response = response or await client.send(request, stream=True)
        except httpx.TimeoutException:
            log.info("alb: target %s timed out", target)
            record.error_reason = "TargetResponseTimeout"
            await _respond(send, 504, error_page(504), b"text/html")
            return
        except httpx.HTTPError as exc:
            log.info("alb: target %s failed: %r", target, exc)
            record.error_reason = "TargetConnectionError"
            await _respond(send, 502, error_page(502), b"text/html")
            return
        record.response_started = time.time()
        record.target_status = response.status_code
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": end_to_end(response.headers.raw),
                }
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.HTTPError as exc:
            # The status line is gone already; closing the connection is all that is left.
            log.info("alb: target %s broke the response: %r", target, exc)
            raise
        finally:
            await response.aclose()


def _new_record(scope) -> AccessRecord:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = (scope.get("query_string") or b"").decode("latin-1")
    host = headers.get("host", "-")
    return AccessRecord(
        started=time.time(),
        client=tuple(scope.get("client") or ("127.0.0.1", 0)),
        method=scope["method"],
        url=f"http://{host}{path}" + (f"?{query}" if query else ""),
        http_version=scope.get("http_version", "1.1"),
        user_agent=headers.get("user-agent", "-"),
        trace_id=headers.get("x-amzn-trace-id", "-"),
        request_id=headers.get("x-amz-cf-id") or headers.get("x-request-id") or "-",
    )


def _counting(record: AccessRecord, receive, send):
    """receive and send that count bytes and remember the status the client got."""

    async def counted_receive():
        message = await receive()
        record.received_bytes += len(message.get("body", b""))
        return message

    async def counted_send(message) -> None:
        if message["type"] == "http.response.start":
            record.elb_status = message["status"]
        elif message["type"] == "http.response.body":
            record.sent_bytes += len(message.get("body", b""))
        await send(message)

    return counted_receive, counted_send


async def _respond(send, status: int, body: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
