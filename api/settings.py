"""The API's settings, read from the environment when asked (never at import)."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(RuntimeError):
    """The environment does not describe a usable API."""


_REQUIRED = {
    "anime_table": "ANIME_TABLE",
    "anime_feed_index": "ANIME_FEED_INDEX",
    "users_table": "USERS_TABLE",
    "shared_topic_arn": "SHARED_TOPIC_ARN",
    "media_bucket": "MEDIA_BUCKET",
    "user_pool_id": "COGNITO_USER_POOL_ID",
    "client_id": "COGNITO_CLIENT_ID",
}


@dataclass(frozen=True)
class Settings:
    region: str
    anime_table: str
    anime_feed_index: str
    users_table: str
    shared_topic_arn: str
    media_bucket: str
    user_pool_id: str
    client_id: str
    issuer: str
    jwks_url: str
    task_id: str
    version: str
    host: str = "0.0.0.0"
    port: int = 8080

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        def get(name: str) -> str:
            return environ.get(name, "").strip()

        missing = [name for name in _REQUIRED.values() if not get(name)]
        region = get("AWS_REGION") or get("AWS_DEFAULT_REGION")
        if not region:
            missing.insert(0, "AWS_REGION")
        if missing:
            raise SettingsError("missing environment variable(s): " + ", ".join(missing))

        values = {field: get(name) for field, name in _REQUIRED.items()}
        issuer = (
            get("COGNITO_ISSUER")
            or f"https://cognito-idp.{region}.amazonaws.com/{values['user_pool_id']}"
        ).rstrip("/")
        return cls(
            region=region,
            issuer=issuer,
            jwks_url=get("COGNITO_JWKS_URL") or f"{issuer}/.well-known/jwks.json",
            task_id=get("TASK_ID") or socket.gethostname(),
            version=get("APP_VERSION") or "dev",
            host=get("HOST") or "0.0.0.0",
            port=_port(get("PORT") or "8080"),
            **values,
        )


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SettingsError(f"PORT must be an integer from 1 to 65535, not {text!r}")
    return int(text)
