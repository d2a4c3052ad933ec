"""Tasks as host processes: the image's repository names a local command (`python -m api`).

By default (`ANIMEHUB_TASK_START=fork`) a `python -m MODULE` task is forked from a pre-imported
parent (task_parent.py) wherever that runs exactly what spawning the command would; `exec`
spawns every task as a new interpreter."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.data_plane.ecs.config import image_repository
from harness.data_plane.ecs.runtime import TaskLaunch
from harness.data_plane.ecs.task_parent import TaskParent
from harness.data_plane.ecs.task_process import TaskProcess, base_environment
from harness.errors import HarnessError

log = logging.getLogger("harness.data_plane.ecs.agent")

DEFAULT_COMMANDS: Mapping[str, Sequence[str]] = {"animehub-api": (sys.executable, "-m", "api")}
FORK, EXEC = "fork", "exec"
TASK_STARTS = (FORK, EXEC)
PARENT_LOG = "task-parent.log"


class ProcessRuntime:
    name = "process"

    def __init__(
        self,
        commands: Mapping[str, Sequence[str]] | None = None,
        why: str = "the default",
        *,
        start: str = FORK,
        parent_env: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        """`parent_env`: what every task's environment adds to `base_environment` at process
        start (the stack clock's preload), given to the parent as its own."""
        self.commands = dict(DEFAULT_COMMANDS if commands is None else commands)
        self.why = why
        self.start = start
        self._parent_env = base_environment() | dict(parent_env or {})
        self._log_dir = log_dir
        self._parent: TaskParent | None = None

    @property
    def pid(self) -> int | None:
        """The pre-imported task parent's process, once started."""
        return self._parent.pid if self._parent else None

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

    def start_parent(self) -> TaskParent | None:
        """Launch the pre-imported parent now (it imports while the caller goes on); later
        calls return the same one."""
        if self.start == FORK and self._parent is None:
            log_path = self._log_dir / PARENT_LOG if self._log_dir else None
            self._parent = TaskParent(self._parent_env, log_path).start()
        return self._parent

    def launch(self, launch: TaskLaunch) -> TaskProcess:
        argv = self.command_for(launch.image)
        env = base_environment() | dict(launch.environment)
        parent = None
        if self.start == FORK and tuple(argv[1:2]) == ("-m",):
            parent = self.start_parent()
            refusal = parent.refusal(argv, env)
            if refusal:
                log.info("ecs: task %s spawned, not forked: %s", launch.task_id, refusal)
                parent = None
        return TaskProcess(argv, env, launch.host, launch.port, launch.log_path, parent)

    def close(self) -> None:
        if self._parent is not None:
            self._parent.close()
