"""Reads a push sink running in another process, over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from harness.data_plane.push_sink.devices import Notification, Predicate, any_notification


def _wait(read: Callable[[], list[Notification]], predicate: Predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        found = next((n for n in read() if predicate(n)), None)
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


class PushSinkClient:
    """The same reads over HTTP, for a stack that runs in another process."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def device_url(self, device_id: str) -> str:
        return f"{self.url}/devices/{device_id}"

    def health(self) -> dict:
        return httpx.get(f"{self.url}/health", timeout=5, trust_env=False).json()

    def notifications(self, device_id: str) -> list[Notification]:
        response = httpx.get(
            f"{self.device_url(device_id)}/notifications", timeout=5, trust_env=False
        )
        response.raise_for_status()
        return response.json()

    def wait_for(
        self, device_id: str, predicate: Predicate = any_notification, timeout: float = 5.0
    ) -> Notification | None:
        return _wait(lambda: self.notifications(device_id), predicate, timeout)
