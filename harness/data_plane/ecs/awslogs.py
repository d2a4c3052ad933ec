"""The awslogs log driver: a task's stdout/stderr lines to its CloudWatch Logs group and stream.

Options as documented [using_awslogs]: `awslogs-group`, `awslogs-region`,
`awslogs-stream-prefix` (stream `prefix/container-name/ecs-task-id`; Fargate requires it) and
`awslogs-create-group` ("true" creates a missing group; otherwise a missing group loses the
lines, where on AWS the task would fail to start: a known gap, see docs/fidelity.md).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.5
MAX_BATCH = 1000  # PutLogEvents takes at most 10,000 events; smaller batches stay well inside


@dataclass
class _Followed:
    path: Path
    group: str
    stream: str
    create_group: bool
    offset: int = 0
    ready: bool = False
    broken: bool = False


def stream_name(options: dict, container_name: str, task_id: str) -> str:
    prefix = options.get("awslogs-stream-prefix")
    return f"{prefix}/{container_name}/{task_id}" if prefix else task_id


class AwsLogsDriver:
    def __init__(self, endpoints) -> None:
        self._endpoints = endpoints
        self._logs = None
        self._followed: list[_Followed] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ecs-awslogs", daemon=True)

    def follow(self, log_configuration: dict | None, path: Path, container: str, task_id: str):
        """Ship `path` if the container logs with awslogs; other drivers are not emulated."""
        if not log_configuration or log_configuration.get("logDriver") != "awslogs":
            return
        options = log_configuration.get("options") or {}
        followed = _Followed(
            path,
            options.get("awslogs-group", ""),
            stream_name(options, container, task_id),
            options.get("awslogs-create-group", "").lower() == "true",
        )
        with self._lock:
            self._followed.append(followed)
            if not self._thread.is_alive() and not self._stop.is_set():
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self._ship_all()  # the last lines of stopped tasks

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL):
            self._ship_all()

    def _ship_all(self) -> None:
        with self._lock:
            followed = [f for f in self._followed if not f.broken]
        for item in followed:
            try:
                self._ship(item)
            except Exception as exc:  # noqa: BLE001 - logs must never stop a task
                item.broken = True
                log.warning("awslogs: %s -> %s/%s: %s", item.path, item.group, item.stream, exc)

    def _client(self):
        if self._logs is None:
            self._logs = self._endpoints.internal_client("logs")
        return self._logs

    def _ship(self, item: _Followed) -> None:
        try:
            with open(item.path, "rb") as source:
                source.seek(item.offset)
                data = source.read()
        except FileNotFoundError:
            return
        complete = data.rfind(b"\n") + 1
        if not complete:
            return
        lines = data[:complete].decode("utf-8", "replace").splitlines()
        item.offset += complete
        if not item.ready:
            self._prepare(item)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in lines if line]
        logs = self._client()
        for start in range(0, len(events), MAX_BATCH):
            logs.put_log_events(
                logGroupName=item.group,
                logStreamName=item.stream,
                logEvents=events[start : start + MAX_BATCH],
            )

    def _prepare(self, item: _Followed) -> None:
        logs = self._client()
        if item.create_group:
            with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                logs.create_log_group(logGroupName=item.group)
        logs.create_log_stream(logGroupName=item.group, logStreamName=item.stream)
        item.ready = True
