"""The push sink's ASGI app: takes SNS's POSTs per device and lists what each device received."""

from __future__ import annotations

import logging
import time
import urllib.request
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.data_plane.push_sink.devices import DeviceLog, notification_from, parsed_json

log = logging.getLogger("harness.data_plane.push_sink")

_MAX_BODY_BYTES = 256 * 1024


def _confirm(subscribe_url: str) -> int:
    with urllib.request.urlopen(subscribe_url, timeout=5) as response:  # noqa: S310 - from SNS
        return response.status


def create_app(devices: DeviceLog, confirm: Callable[[str], int] = _confirm) -> Starlette:
    async def receive(request: Request) -> Response:
        device_id = request.path_params["device_id"]
        body = await request.body()
        if len(body) > _MAX_BODY_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        envelope = parsed_json(body.decode("utf-8", "replace"))
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
            headers = dict(request.headers)
            devices.add(device_id, notification_from(envelope, time.time(), headers))
        else:
            log.info("ignored %s for device %s", kind, device_id)
        return Response(status_code=200)

    async def listing(request: Request) -> JSONResponse:
        return JSONResponse(devices.notifications(request.path_params["device_id"]))

    async def confirmed(request: Request) -> JSONResponse:
        return JSONResponse(devices.confirmations(request.path_params["device_id"]))

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", **devices.counts()})

    return Starlette(
        routes=[
            Route("/devices/{device_id:str}", receive, methods=["POST"]),
            Route("/devices/{device_id:str}/notifications", listing, methods=["GET"]),
            Route("/devices/{device_id:str}/confirmations", confirmed, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])],
    )
