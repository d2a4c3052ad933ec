"""Tasks as host processes: the image's repository names a local command (`python -m api`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from harness.data_plane.ecs.config import image_repository
from harness.data_plane.ecs.runtime import TaskLaunch
from harness.data_plane.ecs.task_process import TaskProcess, base_environment
from harness.errors import HarnessError

DEFAULT_COMMANDS: Mapping[str, Sequence[str]] = {"animehub-api": (sys.executable, "-m", "api")}


class ProcessRuntime:
    name = "process"

    def __init__(
        self, commands: Mapping[str, Sequence[str]] | None = None, why: str = "the default"
    ) -> None:
        self.commands = dict(DEFAULT_COMMANDS if commands is None else commands)
        self.why = why

    def command_for(self, image: str) -> Sequence[str]:
        """The local command for an image: by repository (`team/animehub-api`), else by its
        last path segment (`animehub-api`)."""
        repository = image_repository(image)
        for name in (repository, repository.rsplit("/", 1)[-1]):
            if name in self.commands:
                return self.commands[name]
        raise HarnessError(
            f"no local command for image {image!r} (repository {repository!r}); "
            f"known: {sorted(self.commands)}"
        )

    def launch(self, launch: TaskLaunch) -> TaskProcess:
        return TaskProcess(
            self.command_for(launch.image),
            base_environment() | dict(launch.environment),
            launch.host,
            launch.port,
            launch.log_path,
        )

    def close(self) -> None:
        pass
