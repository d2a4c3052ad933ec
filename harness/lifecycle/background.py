"""Work a Stack's start runs beside its main line (#14: parts that do not depend on each
other start together): on a thread of its own, its outcome read where it is needed."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait


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
