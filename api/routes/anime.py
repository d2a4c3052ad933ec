from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import require_user
from api.errors import validation_error
from api.media import user_prefix
from api.routing import route
from api.schemas import ANIME_PATCH, NEW_ANIME
from api.validation import read_json_object

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _limit(request: Request) -> int:
    text = request.query_params.get("limit")
    if not text:
        return DEFAULT_LIMIT
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise validation_error("limit", f"must be an integer from 1 to {MAX_LIMIT}", status=400)
    return int(text)


def _check_cover(fields: dict, sub: str) -> dict:
    key = fields.get("cover_key")
    if key and not key.startswith(user_prefix(sub)):
        raise validation_error("cover_key", "must be one of your own uploads")
    return fields


async def list_anime(request: Request) -> JSONResponse:
    limit = _limit(request)
    cursor = request.query_params.get("cursor") or None
    page = await run_in_threadpool(request.state.services.anime.list, limit=limit, cursor=cursor)
    return JSONResponse(page)


async def share_anime(request: Request) -> JSONResponse:
    user = await require_user(request)
    fields = _check_cover(NEW_ANIME.validate(await read_json_object(request)), user.sub)
    anime = await run_in_threadpool(request.state.services.anime.share, fields, sharer=user.sub)
    return JSONResponse(anime, status_code=201, headers={"Location": f"/api/anime/{anime['id']}"})


async def get_anime(request: Request) -> JSONResponse:
    anime_id = request.path_params["id"]
    return JSONResponse(await run_in_threadpool(request.state.services.anime.get, anime_id))


async def update_anime(request: Request) -> JSONResponse:
    user = await require_user(request)
    anime_id = request.path_params["id"]
    changes = ANIME_PATCH.validate(await read_json_object(request), partial=True)
    _check_cover(changes, user.sub)
    store = request.state.services.anime
    return JSONResponse(await run_in_threadpool(store.update, anime_id, changes, owner=user.sub))


async def delete_anime(request: Request) -> Response:
    user = await require_user(request)
    store = request.state.services.anime
    await run_in_threadpool(store.delete, request.path_params["id"], owner=user.sub)
    return Response(status_code=204)


ROUTES = [
    route("/api/anime", get=list_anime, post=share_anime),
    route("/api/anime/{id}", get=get_anime, patch=update_anime, delete=delete_anime),
]
