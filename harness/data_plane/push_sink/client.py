"""Reads a push sink running in another process, over HTTP."""

from __future__ import annotations

import httpx

from harness.data_plane.push_sink.devices import Notification, Predicate, any_notification
from harness.plumbing.waiting import WaitTimedOut, wait_until


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
        """The first notification that matches, waiting up to `timeout` s; None if none came."""
        try:
            return wait_until(
                lambda: next((n for n in self.notifications(device_id) if predicate(n)), None),
                what=f"a notification for device {device_id}",
                timeout=timeout,
            )
        except WaitTimedOut:
            return None

    def wait_confirmed(self, device_id: str, timeout: float = 30.0) -> dict | None:
        """The device's confirmation of its subscription; None if none came within `timeout`."""

        def confirmed():
            url = f"{self.device_url(device_id)}/confirmations"
            found = httpx.get(url, timeout=5, trust_env=False).json()
            return found[0] if found else None

        try:
            return wait_until(confirmed, what=f"device {device_id} confirming", timeout=timeout)
        except WaitTimedOut:
            return None
