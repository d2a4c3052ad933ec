"""S3 Lifecycle as a running part: the loop of app.py on a thread, a pass every `interval`
seconds and at once when the stack clock moves."""

from __future__ import annotations

from harness.clock.ticker import ClockTicker
from harness.data_plane.s3_lifecycle.app import LifecycleLoop
from harness.data_plane.s3_lifecycle.storage import ApiStorage, EmbeddedMotoStorage


class S3Lifecycle:
    def __init__(self, endpoints, buckets: list[str], *, embedded: bool, interval: float = 5.0):
        self.loop = LifecycleLoop(
            endpoints.internal_client("s3"),
            buckets,
            EmbeddedMotoStorage() if embedded else ApiStorage(),
        )
        self._ticker = ClockTicker("s3_lifecycle", self.loop.run_once, interval)

    @property
    def url(self) -> None:
        return None

    @property
    def passes(self) -> int:
        return self._ticker.passes

    @property
    def last_error(self) -> str | None:
        return self._ticker.last_error

    def start(self) -> S3Lifecycle:
        self._ticker.start()
        return self

    def stop(self) -> None:
        self._ticker.stop()

    def __enter__(self) -> S3Lifecycle:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def health(self) -> dict:
        return {
            "buckets": self.loop.buckets,
            "passes": self.passes,
            "last_pass_began": self._ticker.last_began,  # stack time: a pass after a move
            "last_error": self.last_error,
            "recent_actions": self.loop.applied[-5:],
        }
