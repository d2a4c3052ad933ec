from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.openapi import document
from api.routing import route


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document(request.state.services.settings.version))


ROUTES = [route("/api/openapi.json", get=openapi_json)]
