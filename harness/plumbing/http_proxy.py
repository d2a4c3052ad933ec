"""What every HTTP hop of the data plane shares: which headers are hop-by-hop, how a request
body streams from ASGI, and one pooled upstream client per part.

Each hop keeps its own AWS-specific header edits (the edge adds Via and X-Amz-Cf-Id, the ALB
X-Forwarded-* and X-Amzn-Trace-Id); this module only holds what HTTP itself asks of a proxy.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TypeVar

import httpx

from harness.plumbing.public_roots import public_roots

log = logging.getLogger("harness.plumbing.http_proxy")

Header = TypeVar("Header", tuple[str, str], tuple[bytes, bytes])

# RFC 9110 section 7.6.1 (Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding,
# Upgrade) and the older hop-by-hop fields of RFC 2616 section 13.5.1 that proxies still drop.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def hop_by_hop(headers: Iterable[tuple[str | bytes, str | bytes]]) -> frozenset[str]:
    """The names this message's hop uses: the fixed list plus every token its Connection
    header names (RFC 9110 section 7.6.1: a proxy removes those too)."""
    named = {
        token.strip().lower()
        for name, value in headers
        if _text(name).lower() == "connection"
        for token in _text(value).split(",")
    }
    return HOP_BY_HOP | (named - {""})


def end_to_end(headers: Iterable[Header]) -> list[Header]:
    """The headers a proxy passes on, in their order and original type."""
    headers = list(headers)
    drop = hop_by_hop(headers)
    return [(name, value) for name, value in headers if _text(name).lower() not in drop]


def has_body(headers: Iterable[tuple[str | bytes, str | bytes]]) -> bool:
    """Does the request carry a body (a non-zero Content-Length or any Transfer-Encoding)?"""
    for name, value in headers:
        name = _text(name).lower()
        if name == "transfer-encoding":
            return True
        if name == "content-length" and _text(value).strip() not in ("", "0"):
            return True
    return False


async def request_body(receive: Callable) -> AsyncIterator[bytes]:
    """The ASGI request body as it arrives, chunk by chunk; ends early if the client leaves."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return


class UpstreamPool:
    """One pooled keep-alive httpx.AsyncClient per part, opened and closed on the part's own
    event loop through the ASGI lifespan (wrap the app with `serve`), never across threads."""

    def __init__(self, name: str, limits: httpx.Limits, timeout: httpx.Timeout | None = None):
        self.name = name
        self._limits = limits
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError(f"{self.name}: the upstream pool is not open (lifespan not run)")
        return self._client

    async def open(self) -> None:
        self._client = httpx.AsyncClient(
            trust_env=False,
            follow_redirects=False,
            limits=self._limits,
            timeout=self._timeout,
            verify=public_roots(),
        )

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def serve(self, app):
        """`app` with the lifespan events handled: the pool opens before the first request and
        closes after the last, on the server's loop."""
        return with_lifespan(app, f"{self.name}: the upstream pool", self.open, self.close)


def with_lifespan(app, what: str, open_, close):
    """`app` with the ASGI lifespan handled: `await open_()` at start-up, `await close()` at
    shut-down, both on the server's own loop (a client belongs to the loop that opened it)."""

    async def with_hooks(scope, receive, send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await open_()
                except Exception as exc:  # noqa: BLE001 - reported to the server
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await close()
                except Exception:  # noqa: BLE001 - shutting down anyway
                    log.warning("%s: closing failed", what, exc_info=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    return with_hooks
