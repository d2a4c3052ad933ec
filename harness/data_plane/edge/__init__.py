"""The CloudFront data plane: serves a distribution read through the CloudFront API."""

from harness.data_plane.edge.part import Edge

__all__ = ["Edge"]
