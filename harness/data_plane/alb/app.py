"""The listener: an ASGI app that forwards each request to one target, streaming both ways."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from typing import Protocol

import httpx

from harness.clock import clock
from harness.data_plane.alb.access_log import AccessLog, AccessRecord
from harness.data_plane.alb.config import TargetAddress
from harness.faults.http import at_target
from harness.plumbing.http1_connection import UpstreamFailed, UpstreamTimeout, request_head
from harness.plumbing.http_proxy import end_to_end, has_body, request_body
from harness.plumbing.keep_alive_client import KeepAliveClient

log = logging.getLogger(__name__)

ADMIN_PATH = "/__alb/targets"
# Connections to targets: open at once (a request past it waits, within the idle timeout),
# and kept idle over all targets.
MAX_OPEN, MAX_IDLE = 200, 50
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
    """[load-balancer-request-tracing] the epoch seconds in hex: the stack clock's, as every
    time AWS stamps."""
    # random, not secrets: an ID need not be unpredictable, and os.urandom's system call lets
    # go of the GIL, which the ALB's thread then waits for behind the emulator's threads.
    return f"1-{int(clock.now()):08x}-{random.randbytes(12).hex()}"


def trace_header(existing: str | None) -> str:
    """[load-balancer-request-tracing] no header -> a new Root; a header with a Root -> a Self
    field is added, or updated when the header has one already."""
    if not existing or "Root=" not in existing:
        return f"Root={new_trace_id()}"
    fields = [f.strip() for f in existing.split(";") if f.strip()]
    if any(f.startswith("Self=") for f in fields):
        return ";".join(f"Self={new_trace_id()}" if f.startswith("Self=") else f for f in fields)
    return f"Self={new_trace_id()};{existing}"


_SET_HERE = frozenset(
    {b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-port", b"x-amzn-trace-id"}
)


def forwarded_headers(scope, listener_port: int) -> list[tuple[bytes, bytes]]:
    """The request's end-to-end headers (bytes, as the ASGI scope holds them) with the ALB's
    X-Forwarded-* and X-Amzn-Trace-Id."""
    headers = [(k.lower(), v) for k, v in end_to_end(scope["headers"])]
    client_ip = (scope.get("client") or ("127.0.0.1", 0))[0].encode("latin-1")
    previous_for = b", ".join(v for k, v in headers if k == b"x-forwarded-for")
    previous_trace = next((v for k, v in headers if k == b"x-amzn-trace-id"), None)
    trace = trace_header(previous_trace.decode("latin-1") if previous_trace else None)
    kept = [(k, v) for k, v in headers if k not in _SET_HERE]
    kept += [
        (b"x-forwarded-for", previous_for + b", " + client_ip if previous_for else client_ip),
        (b"x-forwarded-proto", b"http"),
        (b"x-forwarded-port", str(listener_port).encode()),
        (b"x-amzn-trace-id", trace.encode("latin-1")),
    ]
    return kept


class _Forwarding:
    """A request on its way to a target: the task that forwards it, and whether the end of
    the target's deregistration delay cut it off."""

    __slots__ = ("task", "cut")

    def __init__(self, task: asyncio.Task) -> None:
        self.task, self.cut = task, False


class ProxyApp:
    def __init__(self, router: Router) -> None:
        self._router = router
        # Idle connections kept up to the idle timeout, as AWS does [connection-idle-timeout].
        self._pool = KeepAliveClient(max_open=MAX_OPEN, max_idle=MAX_IDLE, follow_clock_moves=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: dict[TargetAddress, set[_Forwarding]] = {}

    def asgi(self):
        """The listener's ASGI app; its target connections are closed with its loop."""
        return self

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
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
            # Forwarded in this request's own task (a task of its own per request cost a loop
            # turn, each a wait for the GIL behind the emulator's threads); a cut-off cancels
            # this task and marks the request, which then gets its 502 below.
            forwarding = _Forwarding(asyncio.current_task())
            self._in_flight.setdefault(target, set()).add(forwarding)
            cut = False
            try:
                await self._forward(target, scope, counted_receive, counted_send, record)
            except asyncio.CancelledError:
                # Anything else that cancelled the task (the server's shutdown) goes on up.
                if not forwarding.cut or forwarding.task.cancelling() > 1:
                    raise
                forwarding.task.uncancel()
                cut = True
            finally:
                self._in_flight[target].discard(forwarding)
                self._router.release(target)
            if cut:  # cut off at the end of the deregistration delay
                if record.response_started is None:
                    await _respond(counted_send, 502, error_page(502), b"text/html")
                    return
                raise ConnectionAbortedError("deregistration delay ended mid-response")
        finally:
            self._router.access_log.write(record, time.time())

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def cut_off(self, target: TargetAddress) -> None:
        """End the requests still running on `target`; callable from any thread."""
        if self._loop is None or self._loop.is_closed():
            return
        for forwarding in list(self._in_flight.get(target, ())):
            self._loop.call_soon_threadsafe(self._cut, target, forwarding)

    def _cut(self, target: TargetAddress, forwarding: _Forwarding) -> None:
        # On the loop: a request that has finished meanwhile is left alone.
        if forwarding in self._in_flight.get(target, ()) and not forwarding.cut:
            forwarding.cut = True
            forwarding.task.cancel()

    async def _forward(
        self, target: TargetAddress, scope, receive, send, record: AccessRecord
    ) -> None:
        idle = self._router.idle_timeout
        headers = forwarded_headers(scope, self._router.listener_port)
        record.trace_id = headers[-1][1].decode("latin-1")
        body, chunked = None, False
        if has_body(scope["headers"]):
            body = request_body(receive)
            # The client's Transfer-Encoding is hop-by-hop: without a length, chunks again.
            chunked = not any(name == b"content-length" for name, _ in headers)
            if chunked:
                headers.append((b"transfer-encoding", b"chunked"))
        record.target_started = time.time()
        faults = getattr(self._router, "faults", None)
        try:
            injected = await at_target(faults, str(target), scope["path"], idle)
            if injected is not None:
                response = await InjectedResponse.read(injected)
            else:
                response = await self._pool.request(
                    (target.ip, target.port),
                    target_request_head(scope, headers, str(target)),
                    body,
                    chunked=chunked,
                    head_only=scope["method"] == "HEAD",
                    connect_timeout=min(10.0, idle),
                    timeout=idle,
                    keep_alive=idle,
                )
        except (httpx.TimeoutException, UpstreamTimeout):
            log.info("alb: target %s timed out", target)
            record.error_reason = "TargetResponseTimeout"
            await _respond(send, 504, error_page(504), b"text/html")
            return
        except (httpx.HTTPError, UpstreamFailed) as exc:
            log.info("alb: target %s failed: %r", target, exc)
            record.error_reason = "TargetConnectionError"
            await _respond(send, 502, error_page(502), b"text/html")
            return
        record.response_started = time.time()
        record.target_status = response.status
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": end_to_end(response.headers),
                }
            )
            async for chunk in response.chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (UpstreamFailed, UpstreamTimeout) as exc:
            # The status line is gone already; closing the connection is all that is left.
            log.info("alb: target %s broke the response: %r", target, exc)
            raise
        finally:
            await response.aclose()


def target_request_head(scope, headers: list[tuple[bytes, bytes]], target_address: str) -> bytes:
    """The request line and headers as the target receives them (HTTP/1.1)."""
    target = scope.get("raw_path") or scope["path"].encode()
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    if not any(name == b"host" for name, _ in headers):  # an HTTP/1.0 client's request
        headers = [*headers, (b"host", target_address.encode())]
    return request_head(scope["method"].encode("latin-1"), target, headers)


class InjectedResponse:
    """An injected fault's response (an httpx.Response, see faults.http.at_target) in the shape
    of a target's."""

    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status, self.headers, self._body = status, headers, body

    @classmethod
    async def read(cls, response: httpx.Response) -> InjectedResponse:
        return cls(response.status_code, response.headers.raw, await response.aread())

    async def chunks(self):
        yield self._body

    async def aclose(self) -> None:
        pass


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
