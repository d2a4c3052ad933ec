"""Faults on the HTTP hops, as the hop's caller sees them.

`FaultMiddleware` wraps the ASGI app that receives a hop's requests: the edge's app for
viewer->edge, the ALB's listener for edge->ALB. `at_target` is the ALB's hook for ALB->task:
it runs where the ALB is about to call a task and turns a fault into what the ALB would see
(a slow answer, a status, a broken connection), so the ALB's own 502/504 rules apply."""

from __future__ import annotations

import asyncio

import httpx

from harness.faults.rules import Fault
from harness.faults.store import FaultStore

FAULT_HEADER = b"x-animehub-fault"


def _body(fault: Fault) -> bytes:
    return f"{fault.status} injected by fault {fault.id} ({fault.hop})\n".encode()


async def _answer(send, fault: Fault) -> None:
    body = _body(fault)
    await send(
        {
            "type": "http.response.start",
            "status": fault.status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (FAULT_HEADER, fault.id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class InjectedReset(Exception):
    """Raised after a partial answer: the server drops the connection, as a reset would."""


async def _reset(send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"1000000")],
        }
    )
    await send({"type": "http.response.body", "body": b"partial", "more_body": True})
    raise InjectedReset("connection reset by an injected fault")


class FaultMiddleware:
    def __init__(self, app, hop: str, faults: FaultStore) -> None:
        self.app, self.hop, self.faults = app, hop, faults

    def __getattr__(self, name: str):
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send) -> None:
        fault = None
        if scope["type"] == "http":
            fault = self.faults.pick(self.hop, path=scope.get("path"))
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.kind in ("latency", "timeout"):
            await asyncio.sleep(fault.latency_ms / 1000)
            if fault.kind == "timeout":
                raise InjectedReset("timed out by an injected fault")
            await self.app(scope, receive, send)
        elif fault.kind == "status":
            await _answer(send, fault)
        else:
            await _reset(send)


class DeliveryFaultMiddleware(FaultMiddleware):
    """The push sink's hook: an SNS delivery POSTed to /devices/<id> gets the fault's status
    (hop `sns-delivery`, target = the device id, or every device)."""

    async def __call__(self, scope, receive, send) -> None:
        device = ""
        if scope["type"] == "http" and scope.get("method") == "POST":
            device = scope.get("path", "").removeprefix("/devices/")
        fault = self.faults.pick(self.hop, target=device) if device else None
        if fault is None:
            await self.app(scope, receive, send)
        else:
            await _answer(send, fault)


def wrap_deliveries(app, faults: FaultStore | None):
    return app if faults is None else DeliveryFaultMiddleware(app, "sns-delivery", faults)


def wrap(app, hop: str, faults: FaultStore | None):
    return app if faults is None else FaultMiddleware(app, hop, faults)


async def at_target(faults: FaultStore | None, target: str, path: str, idle_timeout: float):
    """Before the ALB calls `target`: sleeps for a latency (a timeout once past the idle
    timeout), raises what httpx raises for a reset or a timeout, or returns the response an
    injected status stands for; None when no fault applies."""
    fault = faults.pick("alb-task", target=target, path=path) if faults else None
    if fault is None:
        return None
    if fault.kind in ("latency", "timeout"):
        delay = fault.latency_ms / 1000
        await asyncio.sleep(min(delay, idle_timeout))
        if delay >= idle_timeout:
            raise httpx.ReadTimeout(f"injected fault {fault.id}: no answer within the idle timeout")
        return None
    if fault.kind == "reset":
        raise httpx.RemoteProtocolError(f"injected fault {fault.id}: connection reset")
    body = _body(fault)
    headers = {
        "content-type": "text/plain; charset=utf-8",
        "content-length": str(len(body)),
        "x-animehub-fault": fault.id,
    }
    return httpx.Response(fault.status, headers=headers, stream=httpx.ByteStream(body))
