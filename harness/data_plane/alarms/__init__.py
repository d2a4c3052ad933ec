"""CloudWatch alarms evaluated on the stack clock: what CloudWatch does that no emulator does."""

from harness.data_plane.alarms.part import AlarmEvaluator

__all__ = ["AlarmEvaluator"]
