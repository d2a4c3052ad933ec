from pathlib import Path

import yaml

from harness.control_plane.backends.container_specs import (
    API_IMAGE,
    API_PORT,
    DYNAMODB_LOCAL,
    DYNAMODB_LOCAL_COMMAND,
    DYNAMODB_LOCAL_IMAGE,
    DYNAMODB_LOCAL_PORT,
    LOCALSTACK,
    LOCALSTACK_IMAGE,
    LOCALSTACK_PORT,
)
from harness.control_plane.blueprint import Blueprint

COMPOSE = Path(__file__).resolve().parents[3] / "docker-compose.localstack.yml"


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_services_and_images_are_the_harness_ones():
    services = _services()
    assert set(services) == {LOCALSTACK, DYNAMODB_LOCAL, "api"}
    assert services[LOCALSTACK]["image"] == LOCALSTACK_IMAGE
    assert services[DYNAMODB_LOCAL]["image"] == DYNAMODB_LOCAL_IMAGE
    assert services["api"]["image"] == API_IMAGE
    assert services[DYNAMODB_LOCAL]["command"] == list(DYNAMODB_LOCAL_COMMAND)


def test_ports_are_published_on_loopback_only():
    services = _services()
    assert services[LOCALSTACK]["ports"] == [f"127.0.0.1:{LOCALSTACK_PORT}:{LOCALSTACK_PORT}"]
    ddb = f"127.0.0.1:{DYNAMODB_LOCAL_PORT}:{DYNAMODB_LOCAL_PORT}"
    assert services[DYNAMODB_LOCAL]["ports"] == [ddb]
    api = services["api"]
    assert "ports" not in api and api["network_mode"] == "host"
    assert api["environment"]["HOST"] == "127.0.0.1"
    assert api["environment"]["PORT"] == str(API_PORT)


def test_every_service_has_a_health_check():
    for name, service in _services().items():
        assert service["healthcheck"]["test"], name
    depends = _services()["api"]["depends_on"]
    assert {d["condition"] for d in depends.values()} == {"service_healthy"}


def test_the_api_gets_the_blueprint_names_and_the_routing():
    env = _services()["api"]["environment"]
    bp = Blueprint()
    assert env["ANIME_TABLE"] == bp.anime_table
    assert env["USERS_TABLE"] == bp.users_table
    assert env["ANIME_FEED_INDEX"] == bp.anime_feed_index
    assert env["MEDIA_BUCKET"] == bp.media_bucket
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{LOCALSTACK_PORT}"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == f"http://127.0.0.1:{DYNAMODB_LOCAL_PORT}"
