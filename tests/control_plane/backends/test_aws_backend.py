"""The aws backend's discovery, against moto's CloudFormation in this process. Nothing here
reaches AWS: every client the backend makes is pointed at the moto server explicitly."""

import json

import pytest
from moto.server import ThreadedMotoServer

from harness.control_plane.backends import create_backend
from harness.control_plane.backends.aws import OUTPUT_KEYS, AwsBackend
from harness.errors import ConfigError, HarnessError
from harness.settings import Settings

OUTPUTS = {key: f"value-of-{key}" for key in OUTPUT_KEYS.values()} | {
    "SubnetIds": "subnet-1,subnet-2",
    "LoadBalancerDns": "alb-1.us-east-1.elb.amazonaws.com",
}


@pytest.fixture(scope="module")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def backend(moto_url, monkeypatch, tmp_path):
    # The user's own credentials, as the default chain finds them; here, the emulator's.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    per_service = {"cloudformation": moto_url, "sts": moto_url}
    return lambda stack: AwsBackend("us-east-1", stack, per_service).start()


def _deploy(backend: AwsBackend, name: str, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Marker": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    backend.endpoints.client("cloudformation").create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )


def test_the_record_comes_from_the_stack_outputs(backend):
    aws = backend("animehub-prod")
    _deploy(aws, "animehub-prod", OUTPUTS)
    record = aws.discover()
    assert record.region == "us-east-1"
    assert record.web_bucket == "value-of-WebBucket"
    assert record.user_pool_client_id == "value-of-UserPoolClientId"
    assert record.subnet_ids == ("subnet-1", "subnet-2")
    assert record.load_balancer_dns == "alb-1.us-east-1.elb.amazonaws.com"


def test_missing_outputs_are_named(backend):
    aws = backend("animehub-partial")
    partial = {k: v for k, v in OUTPUTS.items() if k not in ("TopicArn", "DistributionId")}
    _deploy(aws, "animehub-partial", partial)
    with pytest.raises(HarnessError, match="lacks outputs TopicArn, DistributionId$"):
        aws.discover()


def test_an_unknown_stack_is_one_line(backend):
    with pytest.raises(HarnessError, match="^aws backend: stack 'nope' in us-east-1: "):
        backend("nope").discover()


def test_the_map_uses_real_aws_and_the_users_credentials(backend, moto_url):
    aws = backend("animehub-prod")
    assert aws.endpoints.default is None and aws.endpoints.uses_real_credentials
    assert "AWS_ACCESS_KEY_ID" not in aws.endpoints.env()
    health = aws.health()
    assert health["account"] == "123456789012" and health["running"]
    assert health["endpoints"]["s3"] == "aws"
    assert health["endpoints"]["cloudformation"] == moto_url
    aws.stop()
    aws.stop()
    assert aws.health()["running"] is False


def test_the_factory_needs_a_stack_name():
    with pytest.raises(ConfigError, match="ANIMEHUB_AWS_STACK_NAME"):
        create_backend(Settings(backend="aws"))
    backend = create_backend(Settings(backend="aws", aws_stack_name="animehub-prod"))
    assert backend.stack_name == "animehub-prod" and backend.endpoints is None
