"""A stack whose Cognito is another emulator with its *own* issuer: cognito-local (an independent
Cognito implementation from the npm registry) signs tokens with iss = its own URL, not AWS's
`https://cognito-idp.<region>.amazonaws.com/<pool>` form. The API takes the issuer and the JWKS
location from the pool's OpenID configuration (harness/control_plane/cognito_discovery.py), so a
fan signs in there and shares through the edge, while a token of another issuer (AWS's form,
from the moto process's own Cognito) is refused
[AWS: amazon-cognito-user-pools-using-tokens-verifying-a-jwt: check `iss`].

The stack is self-contained: it needs nothing of the session's stack, so running this scenario
alone starts one stack, not two."""

import httpx
import pytest
from steps import unique

from harness.control_plane.backends.cognito_local_process import CognitoLocalProcess
from harness.control_plane.backends.emulator_process import running_together
from harness.control_plane.backends.moto_process import MotoProcess
from harness.control_plane.endpoints import EndpointMap
from harness.control_plane.provision.identity import provision_identity
from harness.lifecycle.stack import Stack
from harness.plumbing.local_ca import trusting
from harness.settings import Settings
from harness.testkit.fans import create_fan, delete_fan, jwt_claims

pytestmark = pytest.mark.costly  # a stack and two emulator processes of its own


@pytest.fixture(scope="module")
def own_issuer_stack(tmp_path_factory):
    """A stack of its own (one task, no web deploy): every service on a moto process, Cognito
    on cognito-local. Separate emulators, so the session's stack is untouched."""
    logs = tmp_path_factory.mktemp("own-issuer")
    cognito = CognitoLocalProcess(log_path=logs / "cognito-local.log")
    moto = MotoProcess("moto (own-issuer stack)", log_path=logs / "moto.log")
    with running_together(cognito, moto):
        settings = Settings(
            backend="endpoint",
            endpoint_url=moto.url,
            endpoint_urls=f"cognito-idp={cognito.url}",
            run_dir=logs / "run",
            tasks=1,
            task_runtime="process",
        )
        with Stack(settings, deploy_web=False) as stack:
            yield stack, cognito.url, EndpointMap(default=moto.url, region=settings.region)


def test_a_fan_signs_in_on_an_emulator_with_its_own_issuer_and_shares_through_the_edge(
    own_issuer_stack,
):
    stack, cognito_url, moto = own_issuer_stack
    pool_id, client_id = stack.record.user_pool_id, stack.record.user_pool_client_id
    cognito = stack.endpoints.client("cognito-idp")
    fan = create_fan(cognito, pool_id, client_id)
    edge = httpx.Client(
        base_url=stack.edge_url, timeout=30, trust_env=False, verify=trusting(stack.edge_ca)
    )
    try:
        claims = jwt_claims(fan.id_token)
        assert claims["iss"] == f"{cognito_url}/{pool_id}"
        assert not claims["iss"].startswith("https://cognito-idp.")
        assert stack.task_environment()["COGNITO_ISSUER"] == claims["iss"]

        title = unique("Mononoke")
        shared = edge.post(
            "/api/anime",
            json={"title": title, "genres": ["fantasy"], "year": 1997},
            headers=fan.auth_header,
        )
        assert shared.status_code == 201, shared.text
        listed = [item["title"] for item in edge.get("/api/anime").json()["items"]]
        assert title in listed

        # The negative control: a token of another issuer, AWS's form, from the same pool and
        # client made on the moto process's own Cognito (which the stack does not use).
        elsewhere = moto.client("cognito-idp")
        other = provision_identity(elsewhere, stack.blueprint)
        stranger = create_fan(elsewhere, other["user_pool_id"], other["user_pool_client_id"])
        assert jwt_claims(stranger.id_token)["iss"].startswith("https://cognito-idp.")
        refused = edge.post(
            "/api/anime",
            json={"title": unique("Refused"), "genres": ["fantasy"], "year": 1997},
            headers=stranger.auth_header,
        )
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"] == "unauthorized"
    finally:
        edge.close()
        delete_fan(cognito, pool_id, fan)
