"""What each device received: the push sink's state, shared by its app and its part."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

Notification = dict[str, Any]
Predicate = Callable[[Notification], bool]


def any_notification(_: Notification) -> bool:
    return True


def parsed_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


class DeviceLog:
    """What each device received, safe to use from the server thread and the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._notifications: dict[str, list[Notification]] = {}
        self._confirmations: dict[str, list[dict]] = {}

    def add(self, device_id: str, notification: Notification) -> None:
        with self._lock:
            self._notifications.setdefault(device_id, []).append(notification)
            self._lock.notify_all()

    def confirm(self, device_id: str, confirmation: dict) -> None:
        with self._lock:
            self._confirmations.setdefault(device_id, []).append(confirmation)
            self._lock.notify_all()

    def notifications(self, device_id: str) -> list[Notification]:
        with self._lock:
            return list(self._notifications.get(device_id, ()))

    def confirmations(self, device_id: str) -> list[dict]:
        with self._lock:
            return list(self._confirmations.get(device_id, ()))

    def wait_confirmed(self, device_id: str, timeout: float) -> dict | None:
        """The device's first confirmed subscription, waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = next(iter(self._confirmations.get(device_id, ())), None)
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0:
                    return found
                self._lock.wait(remaining)

    def device_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._notifications)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "devices": len(self._notifications),
                "notifications": sum(len(v) for v in self._notifications.values()),
                "confirmations": sum(len(v) for v in self._confirmations.values()),
            }

    def wait_for(self, device_id: str, predicate: Predicate, timeout: float):
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = next(
                    (n for n in self._notifications.get(device_id, ()) if predicate(n)), None
                )
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0:
                    return found
                self._lock.wait(remaining)


def notification_from(envelope: dict, received_at: float, headers=None) -> Notification:
    """One delivered SNS message as the device keeps it; `message` is parsed when it is JSON;
    `headers` are the x-amz-sns-* headers it came with."""
    return {
        "message_id": envelope.get("MessageId"),
        "topic_arn": envelope.get("TopicArn"),
        "subject": envelope.get("Subject"),
        "message": parsed_json(envelope.get("Message")),
        "attributes": {
            name: attr.get("Value")
            for name, attr in (envelope.get("MessageAttributes") or {}).items()
        },
        "timestamp": envelope.get("Timestamp"),
        "received_at": received_at,
        "headers": {k: v for k, v in (headers or {}).items() if k.startswith("x-amz-sns-")},
    }
