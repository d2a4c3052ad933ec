"""A small target app: health with the task header, a slow endpoint, an echo of the request."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route


def target_app(name: str) -> Starlette:
    headers = {"X-AnimeHub-Task": name}

    async def health(request: Request):
        return JSONResponse({"status": "ok"}, headers=headers)

    async def slow(request: Request):
        await asyncio.sleep(float(request.query_params.get("s", "1")))
        return PlainTextResponse("slow", headers=headers)

    async def echo(request: Request):
        body = await request.body()
        return JSONResponse(
            {
                "headers": dict(request.headers),
                "method": request.method,
                "query": str(request.url.query),
                "body": body.decode(),
            },
            headers=headers,
        )

    return Starlette(
        routes=[
            Route("/api/health", health),
            Route("/api/slow", slow),
            Route("/api/echo", echo, methods=["GET", "POST"]),
        ]
    )
