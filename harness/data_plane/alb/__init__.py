"""The Application Load Balancer's data plane: health checks and proxying by elbv2 settings."""

from harness.data_plane.alb.part import LoadBalancer

__all__ = ["LoadBalancer"]
