"""A small JSON view of a running stack, so `status` in another shell can ask it."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.plumbing.servers import ServerThread
from harness.types import StatusDocument


class ControlServer:
    def __init__(self, describe: Callable[[], StatusDocument]) -> None:
        async def status(_: Request) -> JSONResponse:
            from starlette.concurrency import run_in_threadpool

            return JSONResponse(await run_in_threadpool(describe))

        app = Starlette(routes=[Route("/status", status)])
        self._server = ServerThread(app, name="control")

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> ControlServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
