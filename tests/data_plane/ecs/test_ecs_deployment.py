"""ECS's rolling-update and scaling rules, as a pure function."""

from __future__ import annotations

import pytest

from harness.data_plane.ecs.config import image_repository
from harness.data_plane.ecs.deployment import TaskView, plan


def task(id: str, revision: str = "v1", healthy: bool = True, created_at: float = 0.0):
    return TaskView(id, revision, healthy, created_at)


def test_starts_the_missing_tasks():
    assert plan(2, "v1", []).start == 2
    assert plan(2, "v1", [task("a")]).start == 1


def test_scale_in_stops_the_least_useful_first():
    live = [task("old", created_at=1), task("new", created_at=3), task("sick", healthy=False)]

    decision = plan(1, "v1", live)

    assert decision.start == 0
    assert decision.stop == ("sick", "new")


def test_rollout_starts_within_maximum_percent_and_keeps_minimum_healthy():
    old = [task("o1"), task("o2")]

    begin = plan(2, "v2", old)
    one_new_healthy = plan(2, "v2", [*old, task("n1", "v2"), task("n2", "v2", healthy=False)])
    both_new_healthy = plan(2, "v2", [task("o2"), task("n1", "v2"), task("n2", "v2")])

    assert (begin.start, begin.stop) == (2, ())
    assert (one_new_healthy.start, len(one_new_healthy.stop)) == (0, 1)
    assert both_new_healthy.stop == ("o2",)


def test_rollout_of_one_task_starts_one_then_stops_the_old():
    assert plan(1, "v2", [task("o")]).start == 1
    assert plan(1, "v2", [task("o"), task("n", "v2", healthy=False)]).stop == ()
    assert plan(1, "v2", [task("o"), task("n", "v2")]).stop == ("o",)


def test_maximum_percent_100_stops_first():
    decision = plan(2, "v2", [task("o1"), task("o2")], min_healthy_percent=50, max_percent=100)

    assert decision.start == 0
    assert len(decision.stop) == 1


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/animehub-api:1.0", "animehub-api"),
        ("animehub-api", "animehub-api"),
        ("animehub-api:latest", "animehub-api"),
        ("localhost:5000/team/animehub-api@sha256:abc", "team/animehub-api"),
        ("library/nginx:1.27", "library/nginx"),
    ],
)
def test_image_repository(image, repository):
    assert image_repository(image) == repository
