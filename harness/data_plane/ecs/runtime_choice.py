"""Which runtime runs the tasks: ANIMEHUB_TASK_RUNTIME=process|container, else (auto) a
container where an engine answers and the API image is built, else a process. The reason is
kept on the runtime (`why`), and `harness status` shows it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack

from harness.control_plane.backends.container_specs import API_IMAGE
from harness.data_plane.ecs.process_runtime import ProcessRuntime
from harness.errors import HarnessError

AUTO = "auto"
SETTING = "ANIMEHUB_TASK_RUNTIME"


def container_unavailable_reason(image: str = API_IMAGE, *, fresh: bool = False) -> str | None:
    """None when an engine answers and has `image` (and, if `fresh`, built from api/ as it is
    now); else why not."""
    from harness.containers.engine import connect, unavailable_reason

    reason = unavailable_reason()
    if reason:
        return reason
    import docker

    from harness.containers.api_image import REVISION_LABEL, source_revision

    client = connect(timeout=10)
    try:
        labels = client.images.get(image).labels or {}
    except docker.errors.ImageNotFound:
        return f"the image {image} is not built (harness image build)"
    finally:
        client.close()
    if fresh and labels.get(REVISION_LABEL) != source_revision():
        return (
            f"the image {image} was built from {labels.get(REVISION_LABEL)}, not from api/ as it "
            f"is ({source_revision()}): harness image build"
        )
    return None


def create_runtime(
    choice: str, commands: Mapping[str, Sequence[str]] | None = None, **process_options
):
    """`process_options`: ProcessRuntime's keywords (how its tasks start)."""
    if choice == "process":
        return ProcessRuntime(commands, why=f"{SETTING}=process", **process_options)
    reason = container_unavailable_reason(fresh=choice == AUTO)
    if choice == "container":
        if reason:
            raise HarnessError(f"{SETTING}=container: {reason}")
        why = f"{SETTING}=container"
    elif reason:
        return ProcessRuntime(commands, why=f"no container runtime: {reason}", **process_options)
    else:
        why = f"a Docker engine answers and {API_IMAGE} is built from api/ as it is"
    from harness.data_plane.ecs.container_runtime import ContainerRuntime

    return ContainerRuntime(why=why)


def task_runtime(stack, parts: ExitStack):
    """The stack's task runtime, chosen now (on the stack's main thread: the Docker SDK it
    imports shares modules with moto's, and two threads importing them at once can meet a
    half-imported module). Closed on the way out if no agent took it (an agent closes its
    runtime when it stops). A process runtime's task parent starts now, importing on the other
    core while the emulator starts; it runs on the stack clock, as the tasks do."""
    from harness.clock import faketime

    runtime = create_runtime(
        stack.settings.task_runtime,
        start=stack.settings.task_start,
        parent_env=faketime.environment(stack.clock_file),
        log_dir=stack.run_dir.logs,
    )
    parts.callback(lambda: stack.agent is None and runtime.close())
    if isinstance(runtime, ProcessRuntime):
        runtime.start_parent()
    return runtime
