"""The containers backend short of a Docker engine: routing, container settings, the map.
Starting real containers is tested only where an engine answers."""

import pytest

from harness.control_plane.backends import create_backend
from harness.control_plane.backends.container_specs import (
    DYNAMODB_LOCAL_IMAGE,
    LICENSED_SERVICES,
    LOCALSTACK_IMAGE,
    RUN_LABEL,
    dynamodb_local_spec,
    localstack_spec,
    routing,
)
from harness.control_plane.backends.containers import ContainersBackend, endpoint_map
from harness.control_plane.backends.docker_engine import docker_unavailable_reason
from harness.control_plane.endpoints import SERVICES
from harness.errors import HarnessError
from harness.settings import Settings

NO_ENGINE = docker_unavailable_reason()


def test_without_a_token_licensed_services_go_to_the_embedded_server():
    routes = routing(None)
    assert set(routes) == set(SERVICES)
    assert routes["dynamodb"] == "dynamodb-local"
    assert {routes[s] for s in ("s3", "sns", "sqs")} == {"localstack"}
    assert {routes[s] for s in ("cognito-idp", "ecs", "elbv2", "cloudfront")} == {"embedded"}


def test_an_auth_token_moves_them_to_localstack():
    routes = routing("ls-token")
    assert {routes[s] for s in LICENSED_SERVICES} == {"localstack"}
    assert routes["dynamodb"] == "dynamodb-local"


def test_the_map_defaults_to_localstack_and_names_the_others():
    urls = {"localstack": "http://ls", "dynamodb-local": "http://ddb", "embedded": "http://moto"}
    endpoints = endpoint_map(routing(None), urls, "us-east-1")
    assert endpoints.default == "http://ls"
    assert endpoints.url("dynamodb") == "http://ddb"
    assert endpoints.url("cognito-idp") == endpoints.url("cloudfront") == "http://moto"
    assert endpoints.url("sqs") == "http://ls"
    assert endpoint_map(routing("t"), urls, "us-east-1").per_service == {"dynamodb": "http://ddb"}


@pytest.mark.parametrize("image", [LOCALSTACK_IMAGE, DYNAMODB_LOCAL_IMAGE])
def test_images_are_pinned_by_version(image):
    name, _, tag = image.rpartition(":")
    assert name and tag[0].isdigit() and tag != "latest"


def test_localstack_gets_the_token_only_when_given_and_never_shows_it():
    plain = localstack_spec("eu-west-1", None, "run1")
    assert "LOCALSTACK_AUTH_TOKEN" not in plain.env
    assert plain.env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert "cognito-idp" not in plain.env["SERVICES"].split(",")

    licensed = localstack_spec("eu-west-1", "secret-token", "run1")
    assert licensed.env["LOCALSTACK_AUTH_TOKEN"] == "secret-token"
    assert "cognito-idp" in licensed.env["SERVICES"].split(",")
    assert "secret-token" not in repr(licensed) + repr(licensed.describe())


def test_containers_carry_the_run_label():
    assert localstack_spec("us-east-1", None, "run1").labels[RUN_LABEL] == "run1"
    spec = dynamodb_local_spec("run1")
    assert spec.labels[RUN_LABEL] == "run1"
    assert "-sharedDb" in spec.command and "-inMemory" in spec.command


def test_the_factory_reads_the_auth_token_when_called(monkeypatch):
    monkeypatch.setenv("LOCALSTACK_AUTH_TOKEN", "t")
    backend = create_backend(Settings(backend="containers"))
    assert backend.routes["ecs"] == "localstack"
    monkeypatch.delenv("LOCALSTACK_AUTH_TOKEN")
    assert create_backend(Settings(backend="containers")).routes["ecs"] == "embedded"


def test_health_before_start_needs_no_engine():
    health = ContainersBackend("us-east-1").health()
    assert health["backend"] == "containers" and health["running"] is False
    assert health["containers"]["localstack"]["image"] == LOCALSTACK_IMAGE


@pytest.mark.skipif(NO_ENGINE is None, reason="a Docker engine answers here")
def test_without_an_engine_start_says_so_in_one_line():
    backend = ContainersBackend("us-east-1")
    with pytest.raises(HarnessError, match="^containers backend: "):
        backend.start()
    assert backend.endpoints is None


@pytest.mark.skipif(NO_ENGINE is not None, reason=f"needs a Docker engine: {NO_ENGINE}")
def test_start_serves_every_service_and_stop_removes_the_containers():
    backend = ContainersBackend("us-east-1").start()
    try:
        assert backend.endpoints.client("dynamodb").list_tables()["TableNames"] == []
        assert "Buckets" in backend.endpoints.client("s3").list_buckets()
        assert backend.docker_available
    finally:
        backend.stop()
    import docker

    client = docker.from_env()
    left = client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={backend.run_id}"})
    client.close()
    assert left == []
