"""The control-plane front: where clients reach ECS, CloudFront, ELBv2 and SNS. It forwards every
call to the emulator and corrects what the data plane knows better (tasks, invalidation status,
target health)."""

from harness.data_plane.api_front.part import ApiFront

__all__ = ["ApiFront"]
