"""How many tasks to start and which to stop: ECS's rolling-update rules as a pure function.

minimumHealthyPercent (rounded up) is the floor of healthy tasks while old ones are replaced;
maximumPercent (rounded down) caps running plus pending tasks. Scaling in ignores the floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TaskView:
    id: str
    task_definition_arn: str
    healthy: bool
    created_at: float


@dataclass(frozen=True)
class Plan:
    start: int
    stop: tuple[str, ...]


def plan(
    desired: int,
    task_definition_arn: str | None,
    live: list[TaskView],
    *,
    min_healthy_percent: int = 100,
    max_percent: int = 200,
) -> Plan:
    current = [t for t in live if t.task_definition_arn == task_definition_arn]
    old = [t for t in live if t.task_definition_arn != task_definition_arn]
    if task_definition_arn is None:
        return Plan(0, tuple(t.id for t in live))
    max_total = max(desired, math.floor(desired * max_percent / 100))
    min_healthy = math.ceil(desired * min_healthy_percent / 100)

    start = max(0, min(desired - len(current), max_total - len(live)))

    # Least useful first: not yet healthy, then the newest.
    def expendable(tasks: list[TaskView]) -> list[TaskView]:
        return sorted(tasks, key=lambda t: (t.healthy, -t.created_at))

    stop = [t.id for t in expendable(current)[: max(0, len(current) - desired)]]
    healthy_left = sum(t.healthy for t in live if t.id not in stop)
    for task in expendable(old):
        if not task.healthy:
            stop.append(task.id)
        elif healthy_left - 1 >= min_healthy:
            stop.append(task.id)
            healthy_left -= 1
    return Plan(start, tuple(stop))
