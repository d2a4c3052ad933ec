"""One HTTP/1.1 connection to the next hop, on asyncio with httptools' parser: a request
written (its body as it streams, chunked when asked), the response's head awaited, then its
body chunk by chunk; the end of a body framed by the connection's close; the pause of reading
while the caller is behind. `keep_alive_client.py` pools these connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

import httptools

from harness.clock import clock

PAUSE_AT = 16  # body chunks buffered before reading from the next hop pauses


class UpstreamTimeout(Exception):
    """No connection, or no answer, within the time allowed (a proxy answers 504)."""


class UpstreamFailed(Exception):
    """The next hop refused, reset or broke the exchange (a proxy answers 502)."""


def request_head(method: bytes, target: bytes, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The request line and headers of an HTTP/1.1 request."""
    lines = [b"%s %s HTTP/1.1" % (method, target)]
    lines += [b"%s: %s" % (name, value) for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class Http1Connection(asyncio.Protocol):
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
                    await within(self._writable.wait(), timeout)
            if chunked and not self.closed:
                self.transport.write(b"0\r\n\r\n")
        head_or_error = await settled_within(self._head, timeout)
        if isinstance(head_or_error, Exception):
            raise head_or_error
        return head_or_error

    async def body(self, timeout) -> AsyncIterator[bytes]:
        chunks = self._chunks
        while True:
            # Often in already (a small body comes with its head): no wait, no task for it.
            chunk = chunks.get_nowait() if chunks.qsize() else await within(chunks.get(), timeout)
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


async def within(awaitable, timeout: float):
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        raise UpstreamTimeout(f"no answer within {timeout:g} s") from None


async def settled_within(future: asyncio.Future, timeout: float):
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
