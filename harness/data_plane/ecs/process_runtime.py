"""Tasks as host processes: the image's repository names a local command (`python -m api`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from harness.data_plane.ecs.config import image_repository
from harness.data_plane.ecs.runtime import TaskLaunch
from harness.data_plane.ecs.task_process import DIE_WITH_PARENT, TaskProcess, base_environment
from harness.data_plane.ecs.task_spares import TaskSpares, python_module
from harness.errors import HarnessError

DEFAULT_COMMANDS: Mapping[str, Sequence[str]] = {"animehub-api": (sys.executable, "-m", "api")}


class ProcessRuntime:
    name = "process"

    def __init__(
        self, commands: Mapping[str, Sequence[str]] | None = None, why: str = "the default"
    ) -> None:
        self.commands = dict(DEFAULT_COMMANDS if commands is None else commands)
        self.why = why
        self._spares = TaskSpares(DIE_WITH_PARENT)

    def prepare(self, environment: Mapping[str, str], count: int) -> None:
        """Start `count` spare interpreters per `python -m` command, their imports done ahead
        of the launches (task_spares.py); `environment` is what every task will get of the
        variables an interpreter reads as it starts (the stack clock's libfaketime)."""
        for argv in self.commands.values():
            if python_module(argv, sys.executable):
                self._spares.prepare(argv, base_environment() | dict(environment), count)

    def drop_spares(self) -> None:
        """Stop the spares no launch took."""
        self._spares.drop()

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
            self._spares,
        )

    def close(self) -> None:
        self._spares.close()
