from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.routing import route


async def health(request: Request) -> JSONResponse:
    """Liveness for the ALB: no AWS calls, so a slow dependency does not cycle tasks."""
    settings = request.state.services.settings
    return JSONResponse({"status": "ok", "task_id": settings.task_id, "version": settings.version})


ROUTES = [route("/api/health", get=health)]
