"""Periodic work on the stack clock: `ClockTicker` runs a pass each time the stack clock enters
a new span of `interval` seconds (epoch-aligned, so a pass every `interval` seconds of stack
time), at once when the clock's offset changes (so `harness clock advance` is acted on within
WATCH seconds), and at once after `poke()` (an event another part saw). `sleep_on_clock` waits
a span of stack time in asyncio code: an advance past its end wakes it at once."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from harness.clock import clock

WATCH = 0.2  # how often the clock file is looked at


class ClockTicker:
    """`work()` on a daemon thread; an exception is logged and kept in `last_error`, and the
    next pass tries again."""

    def __init__(self, name: str, work: Callable[[], object], interval: float) -> None:
        self.name = name
        self.work = work
        self.interval = interval
        self.passes = 0
        self.last_began: float | None = None  # the stack time the latest pass that ran began at
        self.last_error: str | None = None
        self._log = logging.getLogger(f"harness.data_plane.{name}")
        self._stop = threading.Event()
        self._poked = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ClockTicker:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._poked.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def poke(self) -> None:
        """A pass at once (within WATCH), whatever the clock says; safe from any thread."""
        self._poked.set()

    def _run(self) -> None:
        seen_offset, seen_span = None, None
        while not self._stop.is_set():
            offset = clock.offset()  # one look at the clock file: now() would look again
            span = int((time.time() + offset) // self.interval)
            if offset != seen_offset or span != seen_span or self._poked.is_set():
                self._poked.clear()
                seen_offset, seen_span = offset, span
                began = clock.now()
                try:
                    self.work()
                    self.passes += 1
                    self.last_began = began
                    self.last_error = None
                except Exception as exc:  # noqa: BLE001 - the next pass tries again
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    self._log.warning("%s: %s", self.name, self.last_error)
            self._poked.wait(WATCH)


async def sleep_on_clock(seconds: float) -> None:
    """Wait until the stack clock has moved `seconds` forward (real time or an advance)."""
    due = clock.monotonic() + seconds
    while (left := due - clock.monotonic()) > 0:
        await asyncio.sleep(min(WATCH, left))
