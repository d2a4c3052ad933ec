"""The OpenAPI 3 document, built from the same schemas the validator enforces."""

from __future__ import annotations

from functools import cache

from api.schemas import ANIME_PATCH, FOLLOWS, MEDIA_UPLOAD, NEW_ANIME
from api.validation import MAX_BODY_BYTES

_ERROR = {"$ref": "#/components/schemas/Error"}
_BEARER = [{"cognito": []}]


def _json(schema: dict, description: str = "") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    texts = {
        400: "malformed request (bad JSON, query or path parameter)",
        401: "missing or invalid token (`WWW-Authenticate: Bearer`)",
        403: "not the owner",
        404: "no such item",
        409: "concurrent update; retry",
        413: f"body over {MAX_BODY_BYTES} bytes",
        415: "body is not JSON",
        422: "a field failed validation (`field` names it)",
        503: "AWS dependency unavailable (`Retry-After` when transient)",
    }
    return {str(status): _json(_ERROR, texts[status]) for status in statuses}


def _body(schema: dict) -> dict:
    return {"required": True, **_json(schema)}


_WRITE_ERRORS = (400, 401, 413, 415, 422, 503)
_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
}

_ANIME = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "synopsis": {"type": "string"},
        "episodes": {"type": ["integer", "null"]},
        "genres": {"type": "array", "items": {"type": "string"}},
        "year": {"type": "integer"},
        "cover_key": {"type": ["string", "null"]},
        "cover_url": {"type": ["string", "null"], "description": "edge path, `/media/...`"},
        "sharer": {"type": "string", "description": "Cognito `sub` of the fan who shared it"},
        "shared_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
_PROFILE = {
    "type": "object",
    "properties": {
        "user_id": {"type": "string"},
        "username": {"type": "string"},
        "follows": {"type": "array", "items": {"type": "string"}},
        "push_endpoint": {"type": ["string", "null"]},
        "subscription_arn": {"type": ["string", "null"]},
    },
}
_UPLOAD = {
    "type": "object",
    "properties": {
        "key": {"type": "string", "description": "S3 key, `media/users/<sub>/<id>.<ext>`"},
        "media_path": {"type": "string", "description": "where the edge serves it: `/` + key"},
        "upload": {
            "type": "object",
            "description": "PUT the file to `url` with exactly these headers before it expires",
            "properties": {
                "method": {"const": "PUT"},
                "url": {"type": "string"},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "expires_in": {"type": "integer"},
            },
        },
    },
}

PATHS = {
    "/api/health": {
        "get": {
            "summary": "Liveness for the load balancer; names the task that answered",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "status": {"const": "ok"},
                            "task_id": {"type": "string"},
                            "version": {"type": "string"},
                        },
                    },
                    "alive",
                )
            },
        }
    },
    "/api/anime": {
        "get": {
            "summary": "Shared anime, newest first",
            "parameters": [
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "`next_cursor` from the previous page",
                },
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": _ANIME},
                            "next_cursor": {"type": ["string", "null"]},
                        },
                    },
                    "one page",
                ),
                **_errors(400, 503),
            },
        },
        "post": {
            "summary": "Share an anime; notifies fans following its genres",
            "security": _BEARER,
            "requestBody": _body(NEW_ANIME.json_schema()),
            "responses": {
                "201": {
                    **_json(_ANIME, "shared"),
                    "headers": {"Location": {"schema": {"type": "string"}}},
                },
                **_errors(*_WRITE_ERRORS),
            },
        },
    },
    "/api/anime/{id}": {
        "parameters": [_ID],
        "get": {
            "summary": "One anime",
            "responses": {"200": _json(_ANIME, "the anime"), **_errors(400, 404, 503)},
        },
        "patch": {
            "summary": "Change an anime you shared",
            "security": _BEARER,
            "requestBody": _body(ANIME_PATCH.json_schema(partial=True)),
            "responses": {
                "200": _json(_ANIME, "the changed anime"),
                **_errors(*_WRITE_ERRORS, 403, 404),
            },
        },
        "delete": {
            "summary": "Delete an anime you shared",
            "security": _BEARER,
            "responses": {"204": {"description": "deleted"}, **_errors(400, 401, 403, 404, 503)},
        },
    },
    "/api/media/uploads": {
        "post": {
            "summary": "A presigned S3 PUT for an image under your own media prefix",
            "security": _BEARER,
            "requestBody": _body(MEDIA_UPLOAD.json_schema()),
            "responses": {"201": _json(_UPLOAD, "upload granted"), **_errors(*_WRITE_ERRORS)},
        }
    },
    "/api/me": {
        "get": {
            "summary": "The signed-in fan",
            "security": _BEARER,
            "responses": {"200": _json(_PROFILE, "profile"), **_errors(401, 503)},
        }
    },
    "/api/me/follows": {
        "put": {
            "summary": "Replace the genres you follow; subscribes your push endpoint to "
            "`anime-shared` with a filter policy on genre (an empty list unsubscribes)",
            "security": _BEARER,
            "requestBody": _body(FOLLOWS.json_schema()),
            "responses": {"200": _json(_PROFILE, "profile"), **_errors(*_WRITE_ERRORS, 409)},
        }
    },
    "/api/openapi.json": {
        "get": {
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3.1 document"}},
        }
    },
}


@cache
def document(version: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "AnimeHub API", "version": version},
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "cognito": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Cognito ID or access token of the pool's app client",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "field": {"type": "string"},
                    },
                }
            },
        },
    }
