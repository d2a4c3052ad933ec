"""S3 Lifecycle as a running part: the loop of app.py on a thread, a pass every `interval`
seconds and at once when the stack clock moves."""

from __future__ import annotations

import logging
import threading

from harness.clock import clock
from harness.data_plane.s3_lifecycle.app import LifecycleLoop
from harness.data_plane.s3_lifecycle.storage import ApiStorage, EmbeddedMotoStorage

log = logging.getLogger("harness.data_plane.s3_lifecycle")

WATCH = 0.2  # how often the clock file is looked at


class S3Lifecycle:
    def __init__(self, endpoints, buckets: list[str], *, embedded: bool, interval: float = 5.0):
        self.loop = LifecycleLoop(
            endpoints.client("s3"), buckets, EmbeddedMotoStorage() if embedded else ApiStorage()
        )
        self.interval = interval
        self.passes = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> None:
        return None

    def start(self) -> S3Lifecycle:
        self._thread = threading.Thread(target=self._run, name="s3-lifecycle", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> S3Lifecycle:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _run(self) -> None:
        seen_offset, waited = None, self.interval
        while not self._stop.is_set():
            offset = clock.offset()
            if offset != seen_offset or waited >= self.interval:
                seen_offset, waited = offset, 0.0
                try:
                    self.loop.run_once()
                    self.passes += 1
                    self.last_error = None
                except Exception as exc:  # noqa: BLE001 - the next pass tries again
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("s3 lifecycle: %s", self.last_error)
            self._stop.wait(WATCH)
            waited += WATCH

    def health(self) -> dict:
        return {
            "buckets": self.loop.buckets,
            "passes": self.passes,
            "last_error": self.last_error,
            "recent_actions": self.loop.applied[-5:],
        }
