import json
import subprocess
import sys

import boto3
import pytest
from moto.server import ThreadedMotoServer

from harness.control_plane.endpoints import SERVICES, EndpointMap, endpoint_variable

# What botocore reads for each service (its serviceId, upper snake case).
VARIABLES = {
    "s3": "AWS_ENDPOINT_URL_S3",
    "dynamodb": "AWS_ENDPOINT_URL_DYNAMODB",
    "cognito-idp": "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "sns": "AWS_ENDPOINT_URL_SNS",
    "sqs": "AWS_ENDPOINT_URL_SQS",
    "ec2": "AWS_ENDPOINT_URL_EC2",
    "ecs": "AWS_ENDPOINT_URL_ECS",
    "elbv2": "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
    "cloudfront": "AWS_ENDPOINT_URL_CLOUDFRONT",
    "ecr": "AWS_ENDPOINT_URL_ECR",
    "cloudwatch": "AWS_ENDPOINT_URL_CLOUDWATCH",
    "application-autoscaling": "AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING",
    "logs": "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "iam": "AWS_ENDPOINT_URL_IAM",
    "sts": "AWS_ENDPOINT_URL_STS",
    "cloudformation": "AWS_ENDPOINT_URL_CLOUDFORMATION",
}


def test_every_service_has_its_variable():
    assert {s: endpoint_variable(s) for s in SERVICES} == VARIABLES


@pytest.fixture
def only(monkeypatch):
    """Replace every AWS_* variable with the given ones, as a child process would see them."""
    import os

    def apply(env: dict[str, str]) -> None:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)

    return apply


def test_a_client_built_from_the_environment_alone_uses_the_map(only):
    endpoints = EndpointMap(
        default="http://127.0.0.1:4566",
        region="eu-west-1",
        per_service={"dynamodb": "http://127.0.0.1:8000", "cognito-idp": "http://127.0.0.1:5000"},
    )
    only(endpoints.env())
    session = boto3.session.Session()
    for service in SERVICES:
        client = session.client(service)
        assert client.meta.endpoint_url == endpoints.url(service), service
        assert client.meta.region_name == "eu-west-1"


def test_the_environment_round_trip_reaches_the_mapped_emulator(only):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoints = EndpointMap(
            default="http://127.0.0.1:9",
            region="us-east-1",
            per_service={"sts": f"http://{host}:{port}"},
        )
        only(endpoints.env())
        identity = boto3.session.Session().client("sts").get_caller_identity()
        assert identity["Account"] == "123456789012"  # moto's account: the call went there
    finally:
        server.stop()


def test_real_aws_exports_region_only():
    endpoints = EndpointMap(default=None, region="eu-central-1", uses_real_credentials=True)
    assert endpoints.env() == {"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-central-1"}
    assert endpoints.describe()["s3"] == "aws"


def test_emulators_get_dummy_credentials():
    env = EndpointMap(default="http://127.0.0.1:1", region="us-east-1").env()
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"


# Each in a fresh interpreter: keeping part of the endpoint data changes the process's session.
SIGNING = """
import json, sys
from harness.control_plane.endpoints import EndpointMap, keep_endpoint_data_of
if sys.argv[1] == "kept":
    keep_endpoint_data_of(("cloudfront", "s3"))
seen = {}
for region in ("us-east-1", "eu-west-1", "cn-north-1"):
    for default in ("http://127.0.0.1:1", None):  # an emulator, then AWS's own endpoints
        for service in ("cloudfront", "s3"):
            client = EndpointMap(default=default, region=region).client(service)
            signer = client._request_signer
            seen[f"{region} {default} {service}"] = [
                client.meta.endpoint_url, client.meta.partition, signer._region_name,
                signer._signing_name, client.meta.config.signature_version,
            ]
try:
    EndpointMap(default=None, region="us-east-1").client("dynamodb")
except RuntimeError as exc:
    seen["dynamodb"] = str(exc)
print(json.dumps(seen))
"""


def _signing(which: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SIGNING, which], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_kept_endpoint_data_resolves_its_services_as_the_whole_file_does():
    whole, kept = _signing("whole"), _signing("kept")
    assert kept.pop("dynamodb") == "endpoint data for dynamodb was not kept"
    assert "dynamodb" not in whole
    assert kept == whole
    assert whole["cn-north-1 None cloudfront"][2] == "cn-northwest-1"  # a global service's scope
