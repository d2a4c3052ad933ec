"""Tests marked `costly` (ones that start stacks or child runs of their own: tens of seconds
each) run first, spread over the pytest-xdist workers, so that none of them begins late and runs
alone while the other workers have nothing left to do.

Work stealing (`--dist worksteal`, as `./dev test` runs) first hands each worker an equal,
consecutive share of the collection, in order, and later moves tests from the *end* of a
worker's queue to a worker that ran out. So the order below puts each worker's share of the
costly tests at the head of its share: they start at once and are never the ones moved late.
A module's costly tests stay together (they often share a module-scoped stack). Without xdist
the costly tests simply come first. Which tests run, and how each runs, is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import pytest

MARKER = "costly"
MARKER_HELP = (
    f"{MARKER}: starts stacks or child runs of its own (seconds of CPU); run first and spread "
    "over the xdist workers so that it does not run alone at the end"
)

T = TypeVar("T")


def costly_first(
    items: Sequence[T], costly: Callable[[T], bool], group: Callable[[T], Hashable], workers: int
) -> list[T]:
    """`items` reordered: the costly ones, a group at a time, dealt round-robin to the head of
    each worker's consecutive share (shares sized as work stealing sizes them), the rest
    after them in their own order."""
    groups: dict[Hashable, list[T]] = {}
    rest: list[T] = []
    for item in items:
        if costly(item):
            groups.setdefault(group(item), []).append(item)
        else:
            rest.append(item)
    heads: list[list[T]] = [[] for _ in range(max(1, workers))]
    for index, members in enumerate(groups.values()):
        heads[index % len(heads)].extend(members)
    ordered: list[T] = []
    remaining = len(items)
    for worker, head in enumerate(heads):
        share = remaining // (len(heads) - worker)  # worksteal's first split of what is left
        fill = max(0, share - len(head))
        ordered += head + rest[:fill]
        rest = rest[fill:]
        remaining -= len(head) + fill
    return ordered + rest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    items[:] = costly_first(
        items,
        costly=lambda item: item.get_closest_marker(MARKER) is not None,
        group=lambda item: item.path,
        workers=workers,
    )
