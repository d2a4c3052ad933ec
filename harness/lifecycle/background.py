"""Work a Stack's start runs beside its main line (#14: parts that do not depend on each
other start together): on a thread of its own, its outcome read where it is needed."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack


def in_background(work: Callable[[], object]) -> Future:
    """`work` on a thread of its own; its outcome (or its exception) from `.result()`."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="stack-start")
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)


def after(started: Future, stop: Callable[[], None]) -> None:
    """`stop` once `started` is over either way: a start still running would outlive a stop."""
    wait([started])
    stop()


def task_runtime(stack, parts: ExitStack):
    """The stack's task runtime, chosen now (on this thread: the Docker SDK it imports shares
    modules with moto's, and two threads importing them at once can meet a half-imported
    module). Closed on the way out if no agent took it (an agent closes its runtime when it
    stops)."""
    from harness.data_plane.ecs.runtime_choice import create_runtime

    runtime = create_runtime(stack.settings.task_runtime)
    parts.callback(lambda: stack.agent is None and runtime.close())
    return runtime
