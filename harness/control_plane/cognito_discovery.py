"""Where a user pool's tokens come from, as its Cognito says: the issuer and the JWKS location
read from the pool's OpenID configuration (`<issuer>/.well-known/openid-configuration`), not
assumed. On AWS the issuer is https://cognito-idp.<region>.amazonaws.com/<pool id>; an emulator
may name its own URL [AWS: amazon-cognito-user-pools-using-tokens-verifying-a-jwt]."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from harness.errors import HarnessError

_MAX_BYTES = 1024 * 1024


def openid_configuration_url(cognito_url: str | None, region: str, pool_id: str) -> str:
    base = cognito_url or f"https://cognito-idp.{region}.amazonaws.com"
    return f"{base.rstrip('/')}/{pool_id}/.well-known/openid-configuration"


def token_settings(cognito_url: str | None, region: str, pool_id: str) -> dict[str, str]:
    """COGNITO_ISSUER and COGNITO_JWKS_URL for the API, from the pool's OpenID configuration."""
    url = openid_configuration_url(cognito_url, region, pool_id)
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the stack's URL
            document = json.loads(answer.read(_MAX_BYTES))
    except (OSError, ValueError) as exc:
        raise HarnessError(
            f"cognito: cannot read the pool's OpenID configuration at {url}: {exc}"
        ) from None
    if not isinstance(document, dict) or not all(
        isinstance(document.get(key), str) for key in ("issuer", "jwks_uri")
    ):
        raise HarnessError(f"cognito: {url} names no issuer and jwks_uri")
    return {"COGNITO_ISSUER": document["issuer"], "COGNITO_JWKS_URL": document["jwks_uri"]}
