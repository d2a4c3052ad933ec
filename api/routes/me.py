from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.auth import require_user
from api.fan_store import profile
from api.routing import route
from api.schemas import FOLLOWS
from api.validation import read_json_object


async def get_me(request: Request) -> JSONResponse:
    user = await require_user(request)
    item = await run_in_threadpool(request.state.services.fans.get, user.sub)
    return JSONResponse(profile(user.sub, user.username, item))


async def put_follows(request: Request) -> JSONResponse:
    user = await require_user(request)
    body = FOLLOWS.validate(await read_json_object(request))
    item = await run_in_threadpool(
        request.state.services.fans.set_follows, user.sub, body["genres"], body.get("endpoint")
    )
    return JSONResponse(profile(user.sub, user.username, item))


ROUTES = [route("/api/me", get=get_me), route("/api/me/follows", put=put_follows)]
