"""The mail sink's HTTP side: lists what arrived, for tests and `harness status`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.data_plane.mail_sink.mailbox import Mailbox


def create_app(mailbox: Mailbox) -> Starlette:
    async def listing(request: Request) -> JSONResponse:
        return JSONResponse(mailbox.messages(request.query_params.get("to")))

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", **mailbox.counts()})

    return Starlette(
        routes=[
            Route("/messages", listing, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
