"""The ALB's keep-alive connections to its targets: HTTP/1.1 on asyncio with httptools' parser.

httpx cost the ALB about twice its own work per request (its pool polls every idle connection's
socket on each request), in the harness process whose GIL the emulator serving the tasks needs.
This speaks only what the ALB sends: one request at a time per connection, a body as it streams
(chunked when the client sent it chunked), the response's head, then its body chunk by chunk.

A pooled connection is closed once it has been idle for `KEEP_ALIVE` on the stack clock: the
tasks keep their own keep-alive timer on that clock (libfaketime), so after `harness clock
advance` they close the connections the ALB holds. Reusing one then would fail the request with
a 502 that real time never produces; AWS's ALB would have closed it at its idle timeout anyway.
A task sees the move up to a second late (libfaketime's cache, longer on a loaded machine), and
then closes connections made since: for `TASKS_FOLLOW` seconds after a move none is kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httptools

from harness.clock import clock
from harness.data_plane.alb.config import TargetAddress

# Idle seconds before the ALB closes a pooled connection. AWS keeps it up to the idle timeout
# (60 s by default): shorter here, as httpx's pool was before (docs/fidelity.md, Known gaps).
KEEP_ALIVE = 4.0
MAX_IDLE = 50  # idle connections kept over all targets
MAX_OPEN = 200  # connections at once; a request past it waits (within the idle timeout)
PAUSE_AT = 16  # body chunks buffered before reading from the target pauses
TASKS_FOLLOW = 10.0  # real seconds after a clock move in which no connection is kept


class TargetTimeout(Exception):
    """No connection, or no answer, within the time allowed (the ALB answers 504)."""


class TargetFailed(Exception):
    """The target refused, reset or broke the exchange (the ALB answers 502)."""


class _Connection(asyncio.Protocol):
    """One TCP connection to a target; httptools calls the `on_*` methods while parsing."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
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
            self._fail(TargetFailed(f"unparsable response: {exc}"))

    def eof_received(self):
        self._ended()
        return False

    def connection_lost(self, exc) -> None:
        self._ended()
        self._fail(TargetFailed(f"connection closed: {exc!r}" if exc else "connection closed"))

    def _ended(self) -> None:
        """The target closed: the end of a body framed by neither length nor chunks (RFC 9112
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
        head_or_error = await _within(self._head, timeout)
        if isinstance(head_or_error, Exception):
            raise head_or_error
        return head_or_error

    async def body(self, timeout) -> AsyncIterator[bytes]:
        while True:
            chunk = await _within(self._chunks.get(), timeout)
            if self._paused and self._chunks.qsize() < PAUSE_AT // 4:
                self._paused = False
                self.transport.resume_reading()
            if chunk is None:
                return
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk

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
        raise TargetTimeout(f"no answer within {timeout:g} s") from None


class TargetPool:
    """Idle keep-alive connections per target, newest first; used on one event loop."""

    def __init__(self) -> None:
        self._idle: dict[TargetAddress, list[_Connection]] = {}
        self._open: asyncio.Semaphore | None = None
        self._forward: float | None = None  # how far the stack clock's monotonic is ahead
        self._moved_at = float("-inf")

    async def request(
        self,
        target: TargetAddress,
        head: bytes,
        body: AsyncIterator[bytes] | None,
        *,
        chunked: bool,
        head_only: bool,
        connect_timeout: float,
        timeout: float,
    ) -> TargetResponse:
        """One exchange, up to the response's head. `aclose()` the response (after reading its
        body, or not) to give its connection back."""
        if self._open is None:
            self._open = asyncio.Semaphore(MAX_OPEN)
        await _within(self._open.acquire(), timeout)
        try:
            connection = self._reuse(target, min(KEEP_ALIVE, timeout))
            connection = connection or await self._connect(target, connect_timeout)
            try:
                status, headers = await connection.send(head, body, chunked, timeout)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            self._open.release()
            raise
        return TargetResponse(self, target, connection, status, headers, head_only, timeout)

    def _reuse(self, target: TargetAddress, keep_alive: float) -> _Connection | None:
        idle = self._idle.get(target)
        now = clock.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < keep_alive:
                return connection
            connection.close()
        return None

    async def _connect(self, target: TargetAddress, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await _within(
                loop.create_connection(_Connection, target.ip, target.port), timeout
            )
        except OSError as exc:
            raise TargetFailed(f"cannot connect: {exc}") from None
        return connection

    def _give_back(self, target: TargetAddress, connection: _Connection, reusable: bool) -> None:
        self._open.release()
        if not reusable or self._clock_moved_lately(connection):
            connection.close()
            return
        if sum(len(idle) for idle in self._idle.values()) >= MAX_IDLE:
            connection.close()
            return
        idle = self._idle.setdefault(target, [])
        # The oldest first: drop those past the keep-alive while here.
        while idle and (idle[0].closed or connection.idle_since - idle[0].idle_since >= KEEP_ALIVE):
            idle.pop(0).close()
        idle.append(connection)

    def _clock_moved_lately(self, connection: _Connection) -> bool:
        real = time.monotonic()
        connection.idle_since = clock.monotonic()
        forward = connection.idle_since - real
        if self._forward is not None and forward > self._forward + 0.5:  # moved since
            self._moved_at = real
        self._forward = forward  # (a new stack's clock in this process starts again at 0)
        return real - self._moved_at < TASKS_FOLLOW

    def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


class TargetResponse:
    """A target's answer: `status`, `headers` (raw), `chunks()`, then `aclose()`."""

    def __init__(self, pool, target, connection, status, headers, head_only, timeout) -> None:
        self.status = status
        self.headers = headers
        self._pool, self._target, self._connection = pool, target, connection
        self._head_only, self._timeout = head_only, timeout
        self._closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._head_only:
            return
        async for chunk in self._connection.body(self._timeout):
            yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        # A HEAD's parser still waits for the body its headers announced: not reusable.
        reusable = not self._head_only and self._connection.reusable()
        self._pool._give_back(self._target, self._connection, reusable)
