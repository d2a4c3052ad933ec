"""SNS delivery to HTTP(S) subscriptions, as AWS does it (see part.py)."""

from harness.data_plane.sns_delivery.part import SnsDelivery

__all__ = ["SnsDelivery"]
