"""The fans' devices: an HTTP endpoint that SNS pushes to, one URL per device.

`<sink>/devices/<device-id>` takes SNS's POSTs: it confirms a subscription by GETting its
SubscribeURL (real SNS; moto delivers without that step) and records each notification.
`GET <sink>/devices/<device-id>/notifications` lists them for a test or the web stub (CORS is
open so the browser may read them). `PushSinkClient` reads the same list from another process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.faults.http import wrap_deliveries
from harness.plumbing.servers import ServerThread

log = logging.getLogger("harness.data_plane.push_sink")

Notification = dict[str, Any]
Predicate = Callable[[Notification], bool]

_MAX_BODY_BYTES = 256 * 1024


def _any(_: Notification) -> bool:
    return True


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _confirm(subscribe_url: str) -> int:
    with urllib.request.urlopen(subscribe_url, timeout=5) as response:  # noqa: S310 - from SNS
        return response.status


def _wait(read: Callable[[], list[Notification]], predicate: Predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        found = next((n for n in read() if predicate(n)), None)
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


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

    def notifications(self, device_id: str) -> list[Notification]:
        with self._lock:
            return list(self._notifications.get(device_id, ()))

    def confirmations(self, device_id: str) -> list[dict]:
        with self._lock:
            return list(self._confirmations.get(device_id, ()))

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


def notification_from(envelope: dict, received_at: float) -> Notification:
    """One delivered SNS message as the device keeps it; `message` is parsed when it is JSON."""
    return {
        "message_id": envelope.get("MessageId"),
        "topic_arn": envelope.get("TopicArn"),
        "subject": envelope.get("Subject"),
        "message": _parsed(envelope.get("Message")),
        "attributes": {
            name: attr.get("Value")
            for name, attr in (envelope.get("MessageAttributes") or {}).items()
        },
        "timestamp": envelope.get("Timestamp"),
        "received_at": received_at,
    }


def create_app(devices: DeviceLog, confirm: Callable[[str], int] = _confirm) -> Starlette:
    async def receive(request: Request) -> Response:
        device_id = request.path_params["device_id"]
        body = await request.body()
        if len(body) > _MAX_BODY_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        envelope = _parsed(body.decode("utf-8", "replace"))
        if not isinstance(envelope, dict) or "Type" not in envelope:
            return JSONResponse({"error": "not an SNS message"}, status_code=400)
        kind = envelope["Type"]
        if kind == "SubscriptionConfirmation":
            from starlette.concurrency import run_in_threadpool

            url = envelope.get("SubscribeURL", "")
            status = await run_in_threadpool(confirm, url)
            devices.confirm(
                device_id, {"topic_arn": envelope.get("TopicArn"), "url": url, "status": status}
            )
        elif kind == "Notification":
            devices.add(device_id, notification_from(envelope, time.time()))
        else:
            log.info("ignored %s for device %s", kind, device_id)
        return Response(status_code=200)

    async def listing(request: Request) -> JSONResponse:
        return JSONResponse(devices.notifications(request.path_params["device_id"]))

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", **devices.counts()})

    return Starlette(
        routes=[
            Route("/devices/{device_id:str}", receive, methods=["POST"]),
            Route("/devices/{device_id:str}/notifications", listing, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])],
    )


class PushSink:
    def __init__(self, port: int = 0, faults=None) -> None:
        self.devices = DeviceLog()
        # A device failing its deliveries (hop `sns-delivery`) answers the fault's status.
        app = wrap_deliveries(create_app(self.devices), faults)
        self._server = ServerThread(app, name="push-sink", port=port)
        self._started = False

    @property
    def url(self) -> str:
        return self._server.url

    def device_url(self, device_id: str) -> str:
        return f"{self.url}/devices/{device_id}"

    def start(self) -> PushSink:
        self._server.start()
        self._started = True
        return self

    def stop(self) -> None:
        self._server.stop()
        self._started = False

    def health(self) -> dict:
        return {
            "status": "running" if self._started else "stopped",
            "url": self.url,
            **self.devices.counts(),
        }

    def notifications(self, device_id: str) -> list[Notification]:
        return self.devices.notifications(device_id)

    def all_notifications(self) -> dict[str, list[Notification]]:
        """Every device's notifications (a failed test's artifacts keep them)."""
        return {device: self.devices.notifications(device) for device in self.devices.device_ids()}

    def confirmations(self, device_id: str) -> list[dict]:
        return self.devices.confirmations(device_id)

    def wait_for(
        self, device_id: str, predicate: Predicate = _any, timeout: float = 5.0
    ) -> Notification | None:
        """The first notification that matches, waiting up to `timeout` s; None if none came."""
        return self.devices.wait_for(device_id, predicate, timeout)


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
        self, device_id: str, predicate: Predicate = _any, timeout: float = 5.0
    ) -> Notification | None:
        return _wait(lambda: self.notifications(device_id), predicate, timeout)
