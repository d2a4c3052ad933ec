"""The CloudFront data plane: serves a distribution read through the CloudFront API.

`Edge` serves in the calling process (the edge's tests); `EdgeProcess` runs that same `Edge`
in a process of its own (a stack's edge, off the harness's GIL)."""

from harness.data_plane.edge.part import Edge
from harness.data_plane.edge.process import EdgeProcess

__all__ = ["Edge", "EdgeProcess"]
