"""The API's token issuer and JWKS come from the pool's own OpenID configuration, whatever URL
form the Cognito in use gives them [AWS: amazon-cognito-user-pools-using-tokens-verifying-a-jwt]."""

import http.server
import json
import threading

import pytest

from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.control_plane.cognito_discovery import openid_configuration_url, token_settings
from harness.errors import HarnessError


@pytest.fixture(scope="module")
def emulator():
    backend = EmbeddedBackend("us-east-1").start()
    yield backend.endpoints
    backend.stop()


class _OwnIssuer(http.server.BaseHTTPRequestHandler):
    """A Cognito stand-in whose issuer is its own URL (as some emulators name it)."""

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        pool = self.path.split("/")[1]
        body = json.dumps(
            {"issuer": f"{base}/{pool}", "jwks_uri": f"{base}/{pool}/.well-known/jwks.json"}
        ).encode()
        known = self.path == f"/{pool}/.well-known/openid-configuration"
        self.send_response(200 if known else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def own_issuer():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OwnIssuer)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_embedded_emulator_names_aws_issuer_form_and_its_own_jwks(emulator):
    pool = emulator.client("cognito-idp").create_user_pool(PoolName="discovery")["UserPool"]["Id"]
    cognito = emulator.url("cognito-idp")
    settings = token_settings(cognito, "us-east-1", pool)
    assert settings["COGNITO_ISSUER"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    assert settings["COGNITO_JWKS_URL"] == f"{cognito}/{pool}/.well-known/jwks.json"


def test_an_emulator_with_its_own_issuer_is_taken_at_its_word(own_issuer):
    settings = token_settings(own_issuer, "us-east-1", "us-east-1_abc")
    assert settings == {
        "COGNITO_ISSUER": f"{own_issuer}/us-east-1_abc",
        "COGNITO_JWKS_URL": f"{own_issuer}/us-east-1_abc/.well-known/jwks.json",
    }


def test_on_aws_the_configuration_is_aws_own():
    assert openid_configuration_url(None, "eu-west-1", "eu-west-1_x") == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x/.well-known/openid-configuration"
    )


def test_a_pool_without_a_configuration_is_one_clear_error(own_issuer):
    with pytest.raises(HarnessError, match="^cognito: cannot read the pool's OpenID configuration"):
        token_settings(own_issuer + "/nothing", "us-east-1", "pool")
