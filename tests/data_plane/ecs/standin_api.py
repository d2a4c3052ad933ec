"""A stand-in for `python -m api`: the same environment contract, three small endpoints."""

from __future__ import annotations

import asyncio
import os
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TASK_ID = os.environ["TASK_ID"]
HEADERS = {"X-AnimeHub-Task": TASK_ID}


async def health(request: Request) -> JSONResponse:
    return JSONResponse(
        {"status": "ok", "task": TASK_ID, "version": os.environ.get("APP_VERSION")},
        headers=HEADERS,
    )


async def slow(request: Request) -> JSONResponse:
    await asyncio.sleep(float(request.query_params.get("s", "1")))
    return JSONResponse({"task": TASK_ID}, headers=HEADERS)


async def environment(request: Request) -> JSONResponse:
    return JSONResponse(dict(os.environ), headers=HEADERS)


app = Starlette(
    routes=[Route("/api/health", health), Route("/api/slow", slow), Route("/api/env", environment)]
)

if __name__ == "__main__":
    if os.environ.get("STANDIN_FAIL"):
        sys.stderr.write("standin: failing on purpose (STANDIN_FAIL)\n")
        sys.exit(3)
    uvicorn.run(
        app,
        host=os.environ["HOST"],
        port=int(os.environ["PORT"]),
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
