"""The ECS API as clients see it: the emulator's answers, with the tasks the agent runs."""

from harness.data_plane.ecs_api.part import EcsApiFront

__all__ = ["EcsApiFront"]
