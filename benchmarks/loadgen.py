"""A light HTTP/1.1 load client for loopback benchmarks: keep-alive connections on asyncio
streams, no pooling layer, no header objects. httpx spends more CPU per request than the edge
does on a cache hit, so with httpx the figure would be the client's, not the server's.

It speaks just enough HTTP/1.1 for GET against the harness's own servers: responses framed by
Content-Length or chunked. Load is bounded: `requests` in total, each with a time-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 10.0


class LoadError(RuntimeError):
    pass


def _ssl_context(verify) -> ssl.SSLContext | None:
    """`verify` as httpx takes it: True, False, a CA file path or an SSLContext."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return ssl.create_default_context()


class Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs one after another."""

    def __init__(self, url: str, verify=True) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = _ssl_context(verify) if parts.scheme == "https" else None
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        self.request = (
            f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n"
            "User-Agent: animehub-bench\r\n\r\n"
        ).encode("latin-1")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, ssl=self.tls)

    async def get(self) -> int:
        """One GET; returns the status. Raises LoadError on a status >= 400 or a closed peer."""
        status = await self.send(self.request)
        if status >= 400:
            raise LoadError(f"HTTP {status}")
        return status

    async def send(self, request: bytes) -> int:
        """One request, its bytes as they go on the wire (`request_bytes`); returns the
        answer's status once its body is read (and dropped)."""
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        if close:
            await self.close()
            await self.open()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await self.writer.wait_closed()
            self.writer = None


def request_bytes(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """An HTTP/1.1 request for `url` as bytes, with its Content-Length when it has a body."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    fields = {"Host": parts.netloc, "Accept": "*/*", "User-Agent": "animehub-bench"}
    fields |= headers or {}
    if body:
        fields["Content-Length"] = str(len(body))
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return f"{method} {target} HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body


async def _latency(url: str, requests: int, verify) -> list[float]:
    conn = Connection(url, verify)
    await conn.open()
    try:
        await asyncio.wait_for(conn.get(), REQUEST_TIMEOUT)
        samples = []
        for _ in range(requests):
            began = time.perf_counter()
            await asyncio.wait_for(conn.get(), REQUEST_TIMEOUT)
            samples.append(time.perf_counter() - began)
        return samples
    finally:
        await conn.close()


async def _throughput(url: str, requests: int, concurrency: int, verify) -> float:
    conns = [Connection(url, verify) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in conns))
    try:
        # Connections open and warm before the clock starts: the figure is requests, not
        # handshakes (a browser keeps its connections too).
        await asyncio.gather(*(asyncio.wait_for(c.get(), REQUEST_TIMEOUT) for c in conns))
        remaining = iter(range(requests))

        async def worker(conn: Connection) -> None:
            for _ in remaining:
                await asyncio.wait_for(conn.get(), REQUEST_TIMEOUT)

        began = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in conns))
        return requests / (time.perf_counter() - began)
    finally:
        await asyncio.gather(*(c.close() for c in conns))


def latency(url: str, requests: int, verify=True) -> list[float]:
    """Seconds per GET, one after another on one warm keep-alive connection."""
    return asyncio.run(_latency(url, requests, verify))


def throughput(url: str, requests: int, concurrency: int, verify=True) -> float:
    """GETs per second with `concurrency` warm keep-alive connections each one in flight."""
    return asyncio.run(_throughput(url, requests, concurrency, verify))


TRIVIAL_APP = """
import sys
from harness.plumbing.servers import ServerThread

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})

server = ServerThread(app, name="trivial").start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def trivial_server() -> Iterator[str]:
    """A plain HTTP server (the harness's ServerThread) answering every GET with two bytes, in
    a process of its own: what the client can do when the server costs next to nothing."""
    server = subprocess.Popen(
        [sys.executable, "-c", TRIVIAL_APP], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        yield server.stdout.readline().strip()
    finally:
        server.stdin.close()  # it stops when its stdin closes
        server.wait(10)
