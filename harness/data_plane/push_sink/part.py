"""The running push sink: its app served on a local port, with start/stop/url/health."""

from __future__ import annotations

from harness.data_plane.push_sink.app import create_app
from harness.data_plane.push_sink.devices import (
    DeviceLog,
    Notification,
    Predicate,
    any_notification,
)
from harness.faults.http import wrap_deliveries
from harness.plumbing.servers import ServerThread


class PushSink:
    def __init__(self, port: int = 0, faults=None) -> None:
        self.devices = DeviceLog()
        # A device failing its deliveries (fault hop `sns-delivery`) answers the fault's status.
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

    def __enter__(self) -> PushSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

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

    def confirmations(self, device_id: str) -> list[dict]:
        return self.devices.confirmations(device_id)

    def wait_confirmed(self, device_id: str, timeout: float = 30.0) -> dict | None:
        """The device's confirmation of its subscription (it GETs the SubscribeURL SNS sends,
        as a device backend does); None if none came within `timeout` s."""
        return self.devices.wait_confirmed(device_id, timeout)

    def all_notifications(self) -> dict[str, list[Notification]]:
        """Every device's notifications (a failed test's artifacts keep them)."""
        return {device: self.devices.notifications(device) for device in self.devices.device_ids()}

    def wait_for(
        self, device_id: str, predicate: Predicate = any_notification, timeout: float = 5.0
    ) -> Notification | None:
        """The first notification that matches, waiting up to `timeout` s; None if none came."""
        return self.devices.wait_for(device_id, predicate, timeout)
