"""The control-plane front: where clients reach ECS and CloudFront. It forwards every call to
the emulator and corrects what the data plane knows better (tasks, invalidation status)."""

from harness.data_plane.api_front.part import ApiFront

__all__ = ["ApiFront"]
