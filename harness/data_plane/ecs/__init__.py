"""The ECS data plane: an agent that runs each service's tasks as local processes."""

from harness.data_plane.ecs.part import EcsAgent

__all__ = ["EcsAgent"]
