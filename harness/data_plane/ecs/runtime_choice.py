"""Which runtime runs the tasks: ANIMEHUB_TASK_RUNTIME=process|container, else (auto) a
container where an engine answers and the API image is built, else a process. The reason is
kept on the runtime (`why`), and `harness status` shows it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from harness.control_plane.backends.container_specs import API_IMAGE
from harness.data_plane.ecs.process_runtime import ProcessRuntime
from harness.errors import HarnessError

AUTO = "auto"
SETTING = "ANIMEHUB_TASK_RUNTIME"


def container_unavailable_reason(image: str = API_IMAGE) -> str | None:
    from harness.containers.engine import connect, unavailable_reason

    reason = unavailable_reason()
    if reason:
        return reason
    from harness.containers.api_image import image_exists

    client = connect(timeout=10)
    try:
        if not image_exists(client, image):
            return f"the image {image} is not built (harness image build)"
    finally:
        client.close()
    return None


def create_runtime(choice: str, commands: Mapping[str, Sequence[str]] | None = None):
    if choice == "process":
        return ProcessRuntime(commands, why=f"{SETTING}=process")
    reason = container_unavailable_reason()
    if choice == "container":
        if reason:
            raise HarnessError(f"{SETTING}=container: {reason}")
        why = f"{SETTING}=container"
    elif reason:
        return ProcessRuntime(commands, why=f"no container runtime: {reason}")
    else:
        why = f"a Docker engine answers and {API_IMAGE} is built"
    from harness.data_plane.ecs.container_runtime import ContainerRuntime

    return ContainerRuntime(why=why)
