"""Application Auto Scaling executed on the stack clock: what no emulator runs."""

from harness.data_plane.autoscaling.part import AutoScaler

__all__ = ["AutoScaler"]
