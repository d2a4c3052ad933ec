"""Tasks as containers of the image the task definition names, on a local Docker engine.

Each task container uses the host's network, so it listens on its own 127.0.0.N address like a
process task and reaches the emulators on loopback; nothing addresses a bridge IP. The task
definition's cpu and memory become the container's limits, its healthCheck the container's
health check, its stopTimeout the container's stop timeout. The host files its environment
names (libfaketime, the stack clock) are mounted read-only (container_files.py). Output goes to
the task's log file, as a process task's does. Every container carries the run's label; a
reaper process removes them if the harness dies without stopping them.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from harness.containers.engine import connect
from harness.containers.reaper import Reaper, remove_labelled
from harness.control_plane.backends.container_specs import ROLE_LABEL, RUN_LABEL
from harness.data_plane.ecs.config import image_repository
from harness.data_plane.ecs.container_files import container_view, preload_refusal
from harness.data_plane.ecs.runtime import TaskLaunch, port_open
from harness.data_plane.ecs.task_process import log_tail
from harness.errors import HarnessError

log = logging.getLogger(__name__)

TASK_LABEL = "org.animehub.task"
SERVICE_LABEL = "org.animehub.service"
NANOS = 1_000_000_000


def local_image(client, image: str) -> str:
    """The engine's image for a task definition's `image`: the exact reference (what
    `harness deploy api` pushed to the stack's ECR URI), else the same repository and tag
    without the registry (what `harness image build` tags)."""
    import docker

    name = image.split("@", 1)[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"
    candidates = [image, f"{image_repository(image)}:{tag}"]
    for candidate in dict.fromkeys(candidates):
        try:
            client.images.get(candidate)
            return candidate
        except docker.errors.ImageNotFound:
            continue
    raise HarnessError(
        f"image {image!r} is not in the Docker engine (nor {candidates[-1]!r}); "
        "build it with `harness image build`"
    )


def create_options(launch: TaskLaunch, image: str, run_id: str) -> dict:
    """The engine API's create-container arguments for a task (no engine needed): the SDK's
    low-level `create_container`, the only one that takes a stop timeout."""
    environment, binds = container_view(launch.environment)
    host_config: dict = {"network_mode": "host"}
    if binds:
        host_config["binds"] = binds
    if launch.cpu_units:
        host_config["nano_cpus"] = launch.cpu_units * NANOS // 1024
    if launch.memory_mib:
        host_config["mem_limit"] = f"{launch.memory_mib}m"
    options = {
        "image": image,
        "environment": environment,
        "labels": {
            **launch.labels,
            RUN_LABEL: run_id,
            ROLE_LABEL: "task",
            TASK_LABEL: launch.task_id,
            SERVICE_LABEL: launch.service,
        },
        "name": f"{launch.service}-{launch.task_id[:12]}-{run_id[:6]}",
        "stop_signal": "SIGTERM",
        "host_config": host_config,
    }
    if launch.stop_timeout is not None:
        options["stop_timeout"] = launch.stop_timeout
    check = launch.health_check
    if check is not None:
        options["healthcheck"] = {
            "test": list(check.command),
            "interval": check.interval * NANOS,
            "timeout": check.timeout * NANOS,
            "retries": check.retries,
            "start_period": check.start_period * NANOS,
        }
    return options


class TaskContainer:
    def __init__(self, client, options: dict, launch: TaskLaunch) -> None:
        self.host = launch.host
        self.port = launch.port
        self.log_path = launch.log_path
        self._client = client
        self._options = options
        self._container = None
        self._host_pid: int | None = None
        self._exit_code: int | None = None
        self._term_sent_at: float | None = None
        self._watcher: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        """The container's main process as the host sees it, as a process task's pid is: the
        same signal reaches a task whichever runtime runs it (`harness fault stop-task`)."""
        return self._host_pid

    @property
    def container(self) -> str | None:
        return self._container.short_id if self._container is not None else None

    def start(self) -> TaskContainer:
        import docker

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            options = dict(self._options)
            options["host_config"] = self._client.api.create_host_config(**options["host_config"])
            created = self._client.api.create_container(**options)
            self._container = self._client.containers.get(created["Id"])
            self._container.start()
            self._container.reload()
            self._host_pid = self._container.attrs["State"]["Pid"] or None
        except docker.errors.APIError as exc:
            if self._container is not None:
                self._remove()
            raise HarnessError(f"cannot start a task container: {exc.explanation}") from None
        self._watcher = threading.Thread(
            target=self._follow, name=f"task-{self.container}", daemon=True
        )
        self._watcher.start()
        return self

    def _follow(self) -> None:
        """Copies the output to the log file until the container exits, then records the
        exit code and removes the container."""
        try:
            with open(self.log_path, "ab") as out:
                for chunk in self._container.logs(stream=True, follow=True):
                    out.write(chunk)
                    out.flush()
            status = self._container.wait()
            self._exit_code = int(status.get("StatusCode", -1))
        except Exception as exc:  # noqa: BLE001 - the engine went away: the task is gone too
            log.warning("ecs: task container %s: %s", self.container, exc)
            self._exit_code = -1
        finally:
            self._remove()

    def _remove(self) -> None:
        try:
            self._container.remove(force=True)
        except Exception as exc:  # noqa: BLE001 - gone already
            log.debug("ecs: removing %s: %s", self.container, exc)

    def exit_code(self) -> int | None:
        return self._exit_code

    def accepts_connections(self) -> bool:
        return port_open(self.host, self.port)

    def terminate(self) -> None:
        if self._exit_code is None and self._term_sent_at is None:
            self._term_sent_at = time.monotonic()
            self._signal("SIGTERM")

    def kill_if_slow(self, grace: float) -> bool:
        if self._exit_code is not None:
            return True
        if self._term_sent_at is not None and time.monotonic() - self._term_sent_at > grace:
            self._signal("SIGKILL")
        return False

    def kill(self) -> None:
        self._signal("SIGKILL")

    def stop(self, grace: float = 5.0) -> int | None:
        if self._container is None:
            return None
        self.terminate()
        self._watcher.join(grace)
        if self._watcher.is_alive():
            self._signal("SIGKILL")
            self._watcher.join(30)
        return self._exit_code

    def _signal(self, name: str) -> None:
        try:
            self._container.kill(signal=name)
        except Exception as exc:  # noqa: BLE001 - it exited meanwhile
            log.debug("ecs: %s to %s: %s", name, self.container, exc)

    def log_tail(self, lines: int = 20) -> str:
        return log_tail(self.log_path, lines)


class ContainerRuntime:
    name = "container"

    def __init__(self, why: str = "asked for") -> None:
        self.why = why
        self.run_id = uuid.uuid4().hex[:12]
        self.label = f"{RUN_LABEL}={self.run_id}"
        self._client = connect(timeout=60)
        self._reaper = Reaper(self.label).start()
        self._preload_checked: dict[tuple[str, str], str | None] = {}

    def launch(self, launch: TaskLaunch) -> TaskContainer:
        image = local_image(self._client, launch.image)
        library = launch.environment.get("LD_PRELOAD")
        if library:
            self._check_preload(image, library)
        return TaskContainer(self._client, create_options(launch, image, self.run_id), launch)

    def _check_preload(self, image: str, library: str) -> None:
        """Once per image: a task that would silently run on real time is refused instead."""
        key = (self._client.images.get(image).id, library)
        if key not in self._preload_checked:
            labels = {RUN_LABEL: self.run_id, ROLE_LABEL: "probe"}
            self._preload_checked[key] = preload_refusal(self._client, image, library, labels)
        refusal = self._preload_checked[key]
        if refusal:
            raise HarnessError(
                f"{library} (libfaketime, which puts tasks on the stack clock) does not work "
                f"in image {image}: {refusal}"
            )

    def close(self) -> None:
        """Removes whatever is left of the run's containers, then lets the reaper go."""
        try:
            remove_labelled(self.label)
        finally:
            self._reaper.close()
            self._client.close()
