"""The AnimeHub API as an ASGI app, assembled from routes, middleware and a lifespan."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from api.errors import EXCEPTION_HANDLERS
from api.middleware import RequestContextMiddleware
from api.routes import ROUTES
from api.services import Services
from api.settings import Settings


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env(os.environ)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict]:
        # One boto3 client per service for the life of the process.
        yield {"services": Services.create(settings)}

    return Starlette(
        routes=ROUTES,
        middleware=[Middleware(RequestContextMiddleware, task_id=settings.task_id)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
