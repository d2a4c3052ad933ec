"""Cognito token verification: RS256 against the pool's JWKS, which is cached."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import jwt
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.errors import ApiError, upstream_unavailable

log = logging.getLogger("api.auth")

ALGORITHM = "RS256"
_MAX_JWKS_BYTES = 1024 * 1024


class AuthError(ApiError):
    def __init__(self, reason: str, *, token_given: bool = True) -> None:
        challenge = 'Bearer realm="animehub"'
        if token_given:
            challenge += f', error="invalid_token", error_description="{reason}"'
        super().__init__(401, "unauthorized", reason, headers={"WWW-Authenticate": challenge})


@dataclass(frozen=True)
class Principal:
    sub: str
    username: str
    token_use: str


def fetch_json(url: str, timeout: float = 5.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - URL from settings
        return json.loads(response.read(_MAX_JWKS_BYTES))


class JwksCache:
    """Signing keys by kid: fetched on first use, fetched again when an unknown kid shows up,
    but not more often than `min_refresh_interval` so unknown kids cannot hammer the pool."""

    def __init__(
        self,
        url: str,
        *,
        fetch: Callable[[str], dict] = fetch_json,
        min_refresh_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._fetch = fetch
        self._min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self.fetch_count = 0

    def key_for(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            key = self._keys.get(kid)
            if key is None and self._may_refresh():
                self._keys = self._load()
                self._fetched_at = self._clock()
                key = self._keys.get(kid)
        if key is None:
            raise AuthError("unknown signing key")
        return key

    def _may_refresh(self) -> bool:
        if self._fetched_at is None:
            return True
        return self._clock() - self._fetched_at >= self._min_refresh_interval

    def _load(self) -> dict[str, jwt.PyJWK]:
        self.fetch_count += 1
        try:
            document = self._fetch(self.url)
        except (OSError, ValueError) as exc:
            log.warning("jwks fetch failed", extra={"url": self.url, "reason": str(exc)})
            raise upstream_unavailable("cognito-idp", transient=True) from None
        keys = {}
        for data in document.get("keys", []) if isinstance(document, dict) else []:
            if (
                not isinstance(data, dict)
                or data.get("kty") != "RSA"
                or data.get("use", "sig") != "sig"
                or not isinstance(data.get("kid"), str)
            ):
                continue
            try:
                keys[data["kid"]] = jwt.PyJWK(data, algorithm=ALGORITHM)
            except (jwt.PyJWKError, jwt.InvalidKeyError):
                continue
        return keys


class TokenVerifier:
    """Accepts Cognito ID tokens (aud == client id) and access tokens (client_id == client id)."""

    def __init__(self, *, issuer: str, client_id: str, jwks: JwksCache) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.jwks = jwks

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise AuthError("malformed token") from None
        if header.get("alg") != ALGORITHM:
            raise AuthError("unsupported token algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token has no key id")
        key = self.jwks.key_for(kid)
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={
                    "require": ["exp", "iat", "iss", "sub", "token_use"],
                    "verify_aud": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise AuthError("bad signature") from None
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except jwt.InvalidIssuerError:
            raise AuthError("wrong issuer") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("token not yet valid") from None
        except jwt.InvalidTokenError:
            raise AuthError("invalid token") from None
        return self._principal(claims)

    def _principal(self, claims: dict) -> Principal:
        token_use = claims.get("token_use")
        if token_use == "id":
            audience = claims.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if self.client_id not in audiences:
                raise AuthError("wrong audience")
            username = claims.get("cognito:username")
        elif token_use == "access":
            if claims.get("client_id") != self.client_id:
                raise AuthError("wrong audience")
            username = claims.get("username")
        else:
            raise AuthError("wrong token use")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise AuthError("invalid token")
        return Principal(
            sub=sub, username=username if isinstance(username, str) else sub, token_use=token_use
        )


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise AuthError("missing bearer token", token_given=False)
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("expected a bearer token")
    return token.strip()


async def require_user(request: Request) -> Principal:
    """The signed-in fan, or a 401."""
    token = bearer_token(request)
    principal = await run_in_threadpool(request.state.services.verifier.verify, token)
    request.scope["state"]["user_id"] = principal.sub
    return principal
