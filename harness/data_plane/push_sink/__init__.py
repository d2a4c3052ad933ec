"""The fans' devices: an HTTP endpoint that SNS pushes to, one URL per device.

`<sink>/devices/<device-id>` takes SNS's POSTs: it confirms a subscription by GETting its
SubscribeURL, as a device backend does (SNS, and the stack's sns_delivery, deliver nothing
before), and records each notification with its x-amz-sns-* headers.
`GET <sink>/devices/<device-id>/notifications` lists them for a test or the web stub (CORS is
open so the browser may read them). `PushSinkClient` reads the same list from another process.
"""

from harness.data_plane.push_sink.app import create_app
from harness.data_plane.push_sink.client import PushSinkClient
from harness.data_plane.push_sink.devices import DeviceLog, Notification, notification_from
from harness.data_plane.push_sink.part import PushSink

__all__ = [
    "DeviceLog",
    "Notification",
    "PushSink",
    "PushSinkClient",
    "create_app",
    "notification_from",
]
