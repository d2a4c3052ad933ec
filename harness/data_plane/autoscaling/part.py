"""Application Auto Scaling as a running part: the loop of app.py on the stack clock. Alarm
actions are invoked when an alarm is evaluated, so the alarm evaluator pokes a pass after each
of its own; so does a write to Application Auto Scaling through the API front (a new
target-tracking policy has its alarms at once, as AWS creates them in PutScalingPolicy). A
pass also runs every minute of stack time and at once when the clock moves."""

from __future__ import annotations

from harness.clock.ticker import ClockTicker
from harness.data_plane.autoscaling.app import ScalingLoop


class AutoScaler:
    def __init__(self, endpoints, interval: float = 60.0) -> None:
        self.loop = ScalingLoop(
            endpoints.internal_client("application-autoscaling"),
            endpoints.internal_client("cloudwatch"),
            endpoints.internal_client("ecs"),
        )
        self._ticker = ClockTicker("autoscaling", self.loop.run_once, interval)

    @property
    def url(self) -> None:
        return None

    @property
    def activities(self):
        return self.loop.activities

    def poke(self) -> None:
        """A pass at once: an alarm was evaluated, or a policy or target changed."""
        self._ticker.poke()

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
