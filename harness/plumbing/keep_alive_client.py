"""Keep-alive HTTP/1.1 connections to the next hop, on asyncio with httptools' parser: what the
edge (to its custom origins) and the ALB (to its targets) send their requests through.

httpx cost a proxy about twice its own work per request (its pool polls every idle
connection's socket on each request). This speaks only what a proxy sends: one request at a
time per connection, a body as it streams (chunked when the caller asks), the response's head,
then its body chunk by chunk.

An idle connection is kept for the `keep_alive` each request gives (the ALB's idle timeout, the
origin's keep-alive timeout), counted on the stack clock. With `follow_clock_moves` (the ALB:
its targets are tasks under libfaketime, whose own keep-alive timers run on that clock) none is
kept for `TASKS_FOLLOW` real seconds after a move: a task sees a move up to a second late (its
libfaketime cache, longer on a loaded machine) and then closes connections made meanwhile.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Iterable

import httptools

from harness.clock import clock
from harness.plumbing.http_proxy import with_lifespan

PAUSE_AT = 16  # body chunks buffered before reading from the next hop pauses
TASKS_FOLLOW = 10.0  # real seconds after a clock move in which no connection is kept

Address = tuple[str, int]


class UpstreamTimeout(Exception):
    """No connection, or no answer, within the time allowed (a proxy answers 504)."""


class UpstreamFailed(Exception):
    """The next hop refused, reset or broke the exchange (a proxy answers 502)."""


def request_head(method: bytes, target: bytes, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The request line and headers of an HTTP/1.1 request."""
    lines = [b"%s %s HTTP/1.1" % (method, target)]
    lines += [b"%s: %s" % (name, value) for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _Connection(asyncio.Protocol):
    """One TCP connection; httptools calls the `on_*` methods while parsing."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0  # the stack clock's monotonic when the last response ended
        self.expires = 0.0  # when it may no longer be reused
        self._parser = httptools.HttpResponseParser(self)
        self._head: asyncio.Future | None = None
        self._chunks: asyncio.Queue | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._writable = asyncio.Event()
        self._writable.set()
        self._paused = False
        self._busy = False  # between sending a request and the end of its response
        self._keep_alive = False
        self.complete = False

    # asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if not self._busy:  # bytes while idle: nothing asked for them, so unusable
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamFailed(f"unparsable response: {exc}"))

    def eof_received(self):
        self._ended()
        return False

    def connection_lost(self, exc) -> None:
        self._ended()
        self._fail(UpstreamFailed(f"connection closed: {exc!r}" if exc else "connection closed"))

    def _ended(self) -> None:
        """The peer closed: the end of a body framed by neither length nor chunks (RFC 9112
        section 6.3), else of the connection."""
        self.closed = True
        head_in = self._head is not None and self._head.done()
        if head_in and self._busy and not self.complete:
            names = {name.lower() for name, _ in self._headers}
            if not names & {b"content-length", b"transfer-encoding"}:
                self.complete, self._busy = True, False
                self._chunks.put_nowait(None)

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # httptools -----------------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim response: the final one follows
            self._headers = []
            return
        if self._head is not None and not self._head.done():
            self._head.set_result((status, self._headers))

    def on_body(self, body: bytes) -> None:
        self._chunks.put_nowait(bytes(body))
        if self._chunks.qsize() >= PAUSE_AT and not self._paused:
            self._paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        if self._head is None or not self._head.done():
            return  # the end of an interim response
        # Asked here: once the message is over, the parser no longer knows.
        self._keep_alive = self._parser.should_keep_alive()
        # Idle from the response's last byte, not from when the caller gives the connection
        # back: by then the client may have had its answer and the clock moved.
        self.idle_since = clock.monotonic()
        self.complete, self._busy = True, False
        self._chunks.put_nowait(None)

    # the exchange --------------------------------------------------------------------------

    def _fail(self, error: Exception) -> None:
        if self._head is not None and not self._head.done():
            self._head.set_result(error)
        elif self._chunks is not None and not self.complete:
            self._chunks.put_nowait(error)

    async def send(self, head: bytes, body: AsyncIterator[bytes] | None, chunked: bool, timeout):
        """Write the request; returns (status, raw headers) once the response's head is in."""
        self._head = asyncio.get_running_loop().create_future()
        self._chunks = asyncio.Queue()
        self._headers, self.complete, self._busy, self._keep_alive = [], False, True, False
        self.transport.write(head)
        if body is not None:
            async for chunk in body:
                if self.closed:
                    break
                self.transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                if not self._writable.is_set():
                    await _within(self._writable.wait(), timeout)
            if chunked and not self.closed:
                self.transport.write(b"0\r\n\r\n")
        head_or_error = await _settled_within(self._head, timeout)
        if isinstance(head_or_error, Exception):
            raise head_or_error
        return head_or_error

    async def body(self, timeout) -> AsyncIterator[bytes]:
        chunks = self._chunks
        while True:
            # Often in already (a small body comes with its head): no wait, no task for it.
            chunk = chunks.get_nowait() if chunks.qsize() else await _within(chunks.get(), timeout)
            if self._paused and chunks.qsize() < PAUSE_AT // 4:
                self._paused = False
                self.transport.resume_reading()
            if chunk is None:
                return
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk

    def ending(self) -> bool:
        """Only the end of the response is left to read: the exchange is over on the wire."""
        return self.complete and self._chunks.qsize() == 1

    def reusable(self) -> bool:
        return self.complete and not self.closed and self._keep_alive

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


async def _within(awaitable, timeout: float):
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        raise UpstreamTimeout(f"no answer within {timeout:g} s") from None


async def _settled_within(future: asyncio.Future, timeout: float):
    """`future`'s result, or an UpstreamTimeout as its result after `timeout`: awaited as is,
    where wait_for would add a waiter and callbacks for every response."""
    if not future.done():
        expiry = asyncio.get_running_loop().call_later(timeout, _expire, future, timeout)
        try:
            await future
        finally:
            expiry.cancel()
    return future.result()


def _expire(future: asyncio.Future, timeout: float) -> None:
    if not future.done():
        future.set_result(UpstreamTimeout(f"no answer within {timeout:g} s"))


class KeepAliveClient:
    """Idle keep-alive connections per address, newest first; used on one event loop (the
    server's: open nothing before it runs, `close()` in its lifespan's shutdown)."""

    def __init__(self, *, max_open: int, max_idle: int, follow_clock_moves: bool = False) -> None:
        self._max_open, self._max_idle = max_open, max_idle  # a request past max_open waits
        self._follow_clock_moves = follow_clock_moves
        self._idle: dict[Address, list[_Connection]] = {}
        self._every: weakref.WeakSet[_Connection] = weakref.WeakSet()  # idle or in use
        self._open: asyncio.Semaphore | None = None
        self._forward: float | None = None  # how far the stack clock's monotonic is ahead
        self._moved_at = float("-inf")

    async def request(
        self,
        address: Address,
        head: bytes,
        body: AsyncIterator[bytes] | None,
        *,
        chunked: bool,
        head_only: bool,
        connect_timeout: float,
        timeout: float,
        keep_alive: float,
        tls: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> UpstreamResponse:
        """One exchange, up to the response's head: `timeout` is how long each read may wait,
        `keep_alive` how long the connection may then stay idle. `aclose()` the response (after
        reading its body, or not) to give its connection back."""
        if self._open is None:
            self._open = asyncio.Semaphore(self._max_open)
        if self._open.locked():
            await _within(self._open.acquire(), timeout)
        else:
            await self._open.acquire()  # returns at once: wait_for would wrap it in a task
        try:
            connection = self._reuse(address)
            if connection is None:
                connection = await _connect(address, connect_timeout, tls, server_hostname)
                self._every.add(connection)
            try:
                status, headers = await connection.send(head, body, chunked, timeout)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            self._open.release()
            raise
        return UpstreamResponse(
            self, address, connection, status, headers, head_only, timeout, keep_alive
        )

    def _reuse(self, address: Address) -> _Connection | None:
        idle = self._idle.get(address)
        now = clock.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now < connection.expires:
                return connection
            connection.close()
        return None

    def _give_back(
        self, address: Address, connection: _Connection, reusable: bool, keep_alive: float
    ) -> None:
        self._open.release()
        now = connection.idle_since  # (set once a reusable connection's response ended)
        if not reusable or self._clock_moved_lately(now):
            connection.close()
            return
        if sum(len(idle) for idle in self._idle.values()) >= self._max_idle:
            connection.close()
            return
        connection.expires = now + keep_alive
        idle = self._idle.setdefault(address, [])
        # The oldest first: drop those past their keep-alive while here.
        while idle and (idle[0].closed or idle[0].expires <= now):
            idle.pop(0).close()
        idle.append(connection)

    def _clock_moved_lately(self, now: float) -> bool:
        if not self._follow_clock_moves:
            return False
        real = time.monotonic()
        forward = now - real
        if self._forward is not None and forward > self._forward + 0.5:  # moved since
            self._moved_at = real
        self._forward = forward  # (a new stack's clock in this process starts again at 0)
        return real - self._moved_at < TASKS_FOLLOW

    def close(self) -> None:
        """Close every connection, in use too (on the loop's way out nothing reads them)."""
        for connection in list(self._every):
            connection.close()
        self._idle.clear()

    def serve(self, app):
        """`app` with the lifespan events handled: the idle connections close with the server."""

        async def nothing() -> None:
            pass

        async def close() -> None:
            self.close()

        return with_lifespan(app, "keep-alive client", nothing, close)


async def _connect(
    address: Address, timeout: float, tls: ssl.SSLContext | None, server_hostname: str | None
) -> _Connection:
    loop = asyncio.get_running_loop()
    try:
        _, connection = await _within(
            loop.create_connection(
                _Connection, *address, ssl=tls, server_hostname=server_hostname if tls else None
            ),
            timeout,
        )
    except (OSError, ssl.SSLError) as exc:
        raise UpstreamFailed(f"cannot connect: {exc}") from None
    return connection


class UpstreamResponse:
    """The next hop's answer: `status`, `headers` (raw), `chunks()`, then `aclose()`."""

    def __init__(
        self, client, address, connection, status, headers, head_only, timeout, keep_alive
    ) -> None:
        self.status = status
        self.headers = headers
        self._client, self._address, self._connection = client, address, connection
        self._head_only, self._timeout, self._keep_alive = head_only, timeout, keep_alive
        self._closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._head_only:
            return
        connection = self._connection
        async for chunk in connection.body(self._timeout):
            if connection.ending():
                # Idle (and reusable) before the caller relays the last bytes: the next
                # request of a client that has them finds the connection in the pool.
                await self.aclose()
            yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        # A HEAD's parser still waits for the body its headers announced: not reusable.
        reusable = not self._head_only and self._connection.reusable()
        self._client._give_back(self._address, self._connection, reusable, self._keep_alive)
