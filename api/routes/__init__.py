"""The API's routes, one module per resource."""

from __future__ import annotations

from api.routes import anime, health, me, media, openapi

ROUTES = [*health.ROUTES, *anime.ROUTES, *me.ROUTES, *media.ROUTES, *openapi.ROUTES]
