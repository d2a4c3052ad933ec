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
from collections.abc import AsyncIterator

from harness.clock import clock
from harness.plumbing.http1_connection import Http1Connection, UpstreamFailed, within
from harness.plumbing.http_proxy import with_lifespan

TASKS_FOLLOW = 10.0  # real seconds after a clock move in which no connection is kept

Address = tuple[str, int]


class KeepAliveClient:
    """Idle keep-alive connections per address, newest first; used on one event loop (the
    server's: open nothing before it runs, `close()` in its lifespan's shutdown)."""

    def __init__(self, *, max_open: int, max_idle: int, follow_clock_moves: bool = False) -> None:
        self._max_open, self._max_idle = max_open, max_idle  # a request past max_open waits
        self._follow_clock_moves = follow_clock_moves
        self._idle: dict[Address, list[Http1Connection]] = {}
        self._every: weakref.WeakSet[Http1Connection] = weakref.WeakSet()  # idle or in use
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
            await within(self._open.acquire(), timeout)
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

    def _reuse(self, address: Address) -> Http1Connection | None:
        idle = self._idle.get(address)
        now = clock.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now < connection.expires:
                return connection
            connection.close()
        return None

    def _give_back(
        self, address: Address, connection: Http1Connection, reusable: bool, keep_alive: float
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
) -> Http1Connection:
    loop = asyncio.get_running_loop()
    try:
        _, connection = await within(
            loop.create_connection(
                Http1Connection, *address, ssl=tls, server_hostname=server_hostname if tls else None
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
