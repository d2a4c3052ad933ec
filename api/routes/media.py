from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.auth import require_user
from api.routing import route
from api.schemas import MEDIA_UPLOAD
from api.validation import read_json_object


async def create_upload(request: Request) -> JSONResponse:
    user = await require_user(request)
    body = MEDIA_UPLOAD.validate(await read_json_object(request))
    upload = await run_in_threadpool(
        request.state.services.media.presign,
        user.sub,
        content_type=body["content_type"],
        size=body["size"],
    )
    return JSONResponse(upload, status_code=201)


ROUTES = [route("/api/media/uploads", post=create_upload)]
