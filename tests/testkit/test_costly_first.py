"""The costly tests first, spread over the workers: checked against pytest-xdist's own work
stealing scheduler, which hands out the first shares (the nodes are stand-ins that record what
they are sent)."""

from types import SimpleNamespace

import pytest
from xdist.scheduler.worksteal import WorkStealingScheduling

from harness.testkit.costly_first import costly_first

# 40 tests in 8 modules; the costly ones: both of m1, the one of m4, the one of m6.
COLLECTION = [f"m{n // 5}::t{n % 5}" for n in range(40)]
COSTLY = {"m1::t0", "m1::t3", "m4::t2", "m6::t4"}


class Node:
    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent += indices

    def shutdown(self) -> None:
        self.shutting_down = True


def first_shares(collection: list[str], workers: int) -> list[list[str]]:
    """What worksteal sends each worker before any test ran."""
    scheduler = WorkStealingScheduling(SimpleNamespace(getvalue=lambda name: [f"{workers}*popen"]))
    nodes = [Node(f"gw{n}") for n in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    return [[collection[i] for i in node.sent] for node in nodes]


def ordered(workers: int) -> list[str]:
    return costly_first(
        COLLECTION,
        costly=lambda test: test in COSTLY,
        group=lambda test: test.split("::")[0],
        workers=workers,
    )


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_each_worker_starts_with_its_share_of_the_costly_tests(workers):
    order = ordered(workers)
    assert sorted(order) == sorted(COLLECTION)  # nothing dropped or doubled

    shares = first_shares(order, workers)
    heads = [[t for t in share if t in COSTLY] for share in shares]
    for share, head in zip(shares, heads, strict=True):
        assert share[: len(head)] == head  # the costly ones begin the share
    # Spread: the three groups (m1's two tests together) on min(3, workers) workers.
    assert sum(1 for head in heads if head) == min(3, workers)
    together = next(head for head in heads if "m1::t0" in head)
    assert together[together.index("m1::t0") + 1] == "m1::t3"  # a module's stay together


def test_negative_control_the_collection_order_leaves_them_where_they_fall():
    """Without the reordering each costly test sits inside a share, behind cheaper ones: the
    test above would fail on it."""
    shares = first_shares(COLLECTION, 3)
    where = sorted((share.index(t), t) for share in shares for t in share if t in COSTLY)
    assert where == [(5, "m1::t0"), (8, "m1::t3"), (8, "m6::t4"), (9, "m4::t2")]


def test_without_workers_the_costly_tests_come_first_and_the_rest_keep_their_order():
    order = ordered(1)
    assert order[:4] == ["m1::t0", "m1::t3", "m4::t2", "m6::t4"]
    assert order[4:] == [t for t in COLLECTION if t not in COSTLY]
