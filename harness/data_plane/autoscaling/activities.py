"""Scaling activities as DescribeScalingActivities returns them [API reference:
ScalingActivity], newest first, kept by the data plane (the emulator has no such API)."""

from __future__ import annotations

import threading
import uuid

KEEP = 200


class ActivityLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._activities: list[dict] = []

    def add(self, **fields) -> dict:
        activity = {"ActivityId": str(uuid.uuid4()), **fields}
        with self._lock:
            self._activities = [activity, *self._activities[: KEEP - 1]]
        return activity

    def describe(
        self, namespace: str, resource_id: str | None = None, dimension: str | None = None
    ) -> list[dict]:
        with self._lock:
            found = list(self._activities)
        return [
            a
            for a in found
            if a["ServiceNamespace"] == namespace
            and resource_id in (None, a["ResourceId"])
            and dimension in (None, a["ScalableDimension"])
        ]

    def recent(self, count: int = 5) -> list[dict]:
        with self._lock:
            return [
                {k: a[k] for k in ("ResourceId", "Description", "StatusCode", "StartTime")}
                for a in self._activities[:count]
            ]
