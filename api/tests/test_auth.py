"""The verifier against real emulator tokens, tokens forged every way an attacker might,
and a JWKS under the test's control for key rotation."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
from importlib import resources

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from api.auth import AuthError, JwksCache, TokenVerifier
from api.errors import ApiError

REASONS = {
    "missing bearer token",
    "expected a bearer token",
    "malformed token",
    "unsupported token algorithm",
    "token has no key id",
    "unknown signing key",
    "bad signature",
    "token expired",
    "wrong issuer",
    "wrong audience",
    "wrong token use",
    "invalid token",
}


@pytest.fixture(scope="module")
def emulator_key():
    """The private key the emulated Cognito signs with (kid `dummy`): it lets the tests mint
    tokens the API must accept or refuse for their claims alone."""
    raw = (resources.files("moto") / "cognitoidp/resources/jwks-private.json.gz").read_bytes()
    return RSAAlgorithm.from_jwk(json.loads(gzip.decompress(raw)))


@pytest.fixture(scope="module")
def rogue_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def me(client, token: str):
    return client.get("/api/me", headers={"Authorization": f"Bearer {token}"})


def assert_refused(response, reason: str) -> None:
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "message": reason}
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'error_description="{reason}"' in challenge


def test_emulator_id_and_access_tokens_are_accepted(client, fan):
    for token in (fan.id_token, fan.access_token):
        response = me(client, token)
        assert response.status_code == 200
        assert response.json()["user_id"] == fan.sub


def test_a_token_minted_with_the_pool_key_and_right_claims_is_accepted(client, fan, emulator_key):
    # The control for the forged cases below: only the claim each one changes is wrong.
    token = jwt.encode(claims_of(fan.id_token), emulator_key, "RS256", headers={"kid": "dummy"})
    assert me(client, token).status_code == 200


def test_missing_token_gets_a_bare_challenge(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="animehub"'


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Basic Zm9vOmJhcg==", "expected a bearer token"),
        ("Bearer", "expected a bearer token"),
        ("Bearer not.a.jwt", "malformed token"),
        ("Bearer abc", "malformed token"),
    ],
)
def test_malformed_authorization(client, header, reason):
    assert_refused(client.get("/api/me", headers={"Authorization": header}), reason)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"exp": int(time.time()) - 60, "iat": int(time.time()) - 3660}, "token expired"),
        ({"aud": "someone-elses-client"}, "wrong audience"),
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}, "wrong issuer"),
        ({"iss": "https://evil.example.com/pool"}, "wrong issuer"),
        ({"token_use": "refresh"}, "wrong token use"),
        ({"token_use": None}, "invalid token"),
        ({"exp": None}, "invalid token"),
    ],
)
def test_id_token_claims_are_checked(client, fan, emulator_key, change, reason):
    claims = {**claims_of(fan.id_token), **change}
    claims = {k: v for k, v in claims.items() if v is not None}
    token = jwt.encode(claims, emulator_key, "RS256", headers={"kid": "dummy"})
    assert_refused(me(client, token), reason)


def test_access_token_client_id_is_checked(client, fan, emulator_key):
    claims = {**claims_of(fan.access_token), "client_id": "someone-elses-client"}
    token = jwt.encode(claims, emulator_key, "RS256", headers={"kid": "dummy"})
    assert_refused(me(client, token), "wrong audience")


def test_tampered_payload_fails_the_signature(client, fan, other_fan):
    header, _, signature = fan.id_token.split(".")
    payload = b64(json.dumps({**claims_of(fan.id_token), "sub": other_fan.sub}).encode())
    assert_refused(me(client, f"{header}.{payload}.{signature}"), "bad signature")


def test_tampered_signature(client, fan):
    header, payload, signature = fan.id_token.split(".")
    flipped = ("A" if signature[10] != "A" else "B").join([signature[:10], signature[11:]])
    assert_refused(me(client, f"{header}.{payload}.{flipped}"), "bad signature")


def test_alg_none_is_refused(client, fan):
    token = jwt.encode(claims_of(fan.id_token), None, algorithm="none")
    assert_refused(me(client, token), "unsupported token algorithm")


def test_hs256_signed_with_the_public_key_is_refused(client, fan, emulator_key):
    # The classic key-confusion attack: HMAC keyed with the pool's public key.
    public_pem = emulator_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = ".".join(
        [
            b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "dummy"}).encode()),
            b64(json.dumps(claims_of(fan.id_token)).encode()),
        ]
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert_refused(me(client, f"{signing_input}.{b64(mac)}"), "unsupported token algorithm")


def test_unknown_kid_is_refused(client, fan, rogue_key):
    token = jwt.encode(claims_of(fan.id_token), rogue_key, "RS256", headers={"kid": "rogue"})
    assert_refused(me(client, token), "unknown signing key")


def test_own_key_under_the_pools_kid_fails_the_signature(client, fan, rogue_key):
    token = jwt.encode(claims_of(fan.id_token), rogue_key, "RS256", headers={"kid": "dummy"})
    assert_refused(me(client, token), "bad signature")


def test_missing_kid_is_refused(client, fan, emulator_key):
    token = jwt.encode(claims_of(fan.id_token), emulator_key, "RS256")
    assert_refused(me(client, token), "token has no key id")


def test_reasons_are_from_a_short_fixed_list():
    # "no token detail leaks": every reason the verifier can give is one of these.
    assert all(len(reason) < 40 for reason in REASONS)


# --- the JWKS cache, with a key set the test controls ---

ISSUER = "https://issuer.example"


class KeySet:
    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self.fail = False

    def add(self, kid: str) -> rsa.RSAPrivateKey:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self.keys[kid]

    def fetch(self, url: str) -> dict:
        self.fetches += 1
        if self.fail:
            raise OSError("connection refused")
        jwks = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            jwks.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": jwks}

    def token(self, kid: str, **claims) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "sub": "s1",
            "aud": "c1",
            "token_use": "id",
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        return jwt.encode(body, self.keys[kid], "RS256", headers={"kid": kid})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keyset():
    keys = KeySet()
    keys.add("k1")
    return keys


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def verifier(keyset, clock):
    jwks = JwksCache("https://jwks", fetch=keyset.fetch, min_refresh_interval=30, clock=clock)
    return TokenVerifier(issuer=ISSUER, client_id="c1", jwks=jwks)


def test_jwks_is_fetched_once_and_cached(verifier, keyset):
    for _ in range(5):
        assert verifier.verify(keyset.token("k1")).sub == "s1"
    assert keyset.fetches == 1


def test_rotated_key_is_picked_up_on_its_first_unknown_kid(verifier, keyset, clock):
    verifier.verify(keyset.token("k1"))
    clock.now += 31
    keyset.add("k2")

    assert verifier.verify(keyset.token("k2")).sub == "s1"
    assert keyset.fetches == 2


def test_unknown_kids_do_not_refetch_more_than_once_per_interval(verifier, keyset, clock):
    verifier.verify(keyset.token("k1"))
    keyset.add("k2")
    with pytest.raises(AuthError, match="unknown signing key"):
        verifier.verify(keyset.token("k2"))  # within the interval: no fetch
    assert keyset.fetches == 1
    clock.now += 30
    assert verifier.verify(keyset.token("k2")).sub == "s1"
    assert keyset.fetches == 2


def test_expired_token_from_the_test_keyset(verifier, keyset):
    with pytest.raises(AuthError, match="token expired"):
        verifier.verify(keyset.token("k1", exp=int(time.time()) - 1))


def test_unreachable_jwks_is_a_transient_503_not_a_401(verifier, keyset):
    keyset.fail = True
    with pytest.raises(ApiError) as raised:
        verifier.verify(keyset.token("k1"))
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"]
    keyset.fail = False
    assert verifier.verify(keyset.token("k1")).sub == "s1"  # a failed fetch is retried


def test_keys_that_cannot_verify_rs256_are_skipped(clock):
    def fetch(url):
        return {
            "keys": [
                {"kty": "oct", "k": "c2VjcmV0", "kid": "k1"},
                {"kid": "k2"},
                {"kty": "RSA", "kid": "k3", "n": "!!", "e": "AQAB"},
                "junk",
            ]
        }

    jwks = JwksCache("https://jwks", fetch=fetch, clock=clock)
    for kid in ("k1", "k2", "k3"):
        with pytest.raises(AuthError, match="unknown signing key"):
            jwks.key_for(kid)
