"""Per-request context: the request id, the answering task, no-store, and the access log."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("api.access")
error_log = logging.getLogger("api.errors")

TASK_HEADER = "X-AnimeHub-Task"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
_INTERNAL_ERROR = b'{"error":"internal_error","message":"internal error"}'


def request_id(headers: Headers) -> str:
    """The caller's id (a client's `X-Request-Id`, CloudFront's `X-Amz-Cf-Id`) or a new one."""
    for name in ("x-request-id", "x-amz-cf-id"):
        value = headers.get(name, "")
        if _REQUEST_ID.fullmatch(value):
            return value
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, task_id: str) -> None:
        self.app = app
        self.task_id = task_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        rid = request_id(headers)
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        response = {"status": 0, "bytes": 0}

        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                out = MutableHeaders(scope=message)
                out["X-Request-Id"] = rid
                out[TASK_HEADER] = self.task_id
                out["Cache-Control"] = "no-store"
            elif message["type"] == "http.response.body":
                response["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        except Exception:
            error_log.exception("unhandled error", extra={"request_id": rid})
            if not response["status"]:
                await send_with_context(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send_with_context({"type": "http.response.body", "body": _INTERNAL_ERROR})
            raise
        finally:
            access_log.info(
                "request",
                extra={
                    "request_id": rid,
                    "task_id": self.task_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": response["status"] or 500,
                    "bytes": response["bytes"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": _client(headers, scope),
                    "user_id": state.get("user_id"),
                    "user_agent": headers.get("user-agent", "")[:200],
                },
            )


def _client(headers: Headers, scope: Scope) -> str | None:
    forwarded = headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",", 1)[0].strip()[:64]
    client = scope.get("client")
    return client[0] if client else None
