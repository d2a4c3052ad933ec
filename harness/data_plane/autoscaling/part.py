"""Application Auto Scaling as a running part: the loop of app.py on the stack clock (a pass
every second and at once when the clock moves)."""

from __future__ import annotations

from harness.clock.ticker import ClockTicker
from harness.data_plane.autoscaling.app import ScalingLoop


class AutoScaler:
    def __init__(self, endpoints, interval: float = 1.0) -> None:
        self.loop = ScalingLoop(
            endpoints.client("application-autoscaling"),
            endpoints.client("cloudwatch"),
            endpoints.client("ecs"),
        )
        self._ticker = ClockTicker("autoscaling", self.loop.run_once, interval)

    @property
    def url(self) -> None:
        return None

    @property
    def activities(self):
        return self.loop.activities

    def start(self) -> AutoScaler:
        self._ticker.start()
        return self

    def stop(self) -> None:
        self._ticker.stop()

    def __enter__(self) -> AutoScaler:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def health(self) -> dict:
        return {
            "passes": self._ticker.passes,
            "last_error": self._ticker.last_error,
            "recent_activities": self.loop.activities.recent(),
        }
