"""The endpoint backend against two real emulator processes: DynamoDB on one, the rest on the
other. Each emulator's own state shows where every call went."""

import boto3
import pytest

from harness.control_plane.backends import create_backend
from harness.control_plane.backends.endpoint import EndpointBackend
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.provision import provision
from harness.errors import ConfigError, HarnessError
from harness.settings import Settings


def _direct(url: str, service: str):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_each_call_goes_where_the_map_says(emulators):
    settings = Settings.from_env(emulators.environment())
    backend = create_backend(settings).start()
    try:
        assert backend.endpoints.url("dynamodb") == emulators.dynamodb_url
        assert backend.endpoints.url("s3") == emulators.localstack_url
        record = provision(backend.endpoints, Blueprint(name="routed"))
    finally:
        backend.stop()

    dynamodb_local = _direct(emulators.dynamodb_url, "dynamodb").list_tables()["TableNames"]
    localstack = _direct(emulators.localstack_url, "dynamodb").list_tables()["TableNames"]
    assert {record.anime_table, record.users_table} <= set(dynamodb_local)
    assert not {t for t in localstack if t.startswith("routed-")}

    buckets = {b["Name"] for b in _direct(emulators.localstack_url, "s3").list_buckets()["Buckets"]}
    elsewhere = _direct(emulators.dynamodb_url, "s3").list_buckets()["Buckets"]
    assert {record.web_bucket, record.media_bucket} <= buckets
    assert not [b for b in elsewhere if b["Name"].startswith("routed-")]
    pools = _direct(emulators.localstack_url, "cognito-idp").list_user_pools(MaxResults=60)
    assert record.user_pool_id in {p["Id"] for p in pools["UserPools"]}


def test_the_environment_points_sdks_at_both_emulators(emulators):
    backend = create_backend(Settings.from_env(emulators.environment())).start()
    env = backend.endpoints.env()
    assert env["AWS_ENDPOINT_URL"] == emulators.localstack_url
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == emulators.dynamodb_url
    assert backend.health() == {
        "backend": "endpoint",
        "running": True,
        "endpoints": backend.endpoints.describe(),
        "probed": list(backend.probed_services),
    }
    assert backend.health()["endpoints"]["dynamodb"] == emulators.dynamodb_url


def test_a_closed_port_fails_start_naming_service_and_url(emulators, closed_port_url):
    backend = EndpointBackend("us-east-1", emulators.localstack_url, {"dynamodb": closed_port_url})
    with pytest.raises(HarnessError) as failure:
        backend.start()
    assert str(failure.value).startswith(f"endpoint for dynamodb at {closed_port_url} does not")
    assert backend.endpoints is None


def test_a_web_server_that_is_not_aws_fails_start(emulators, html_server):
    backend = EndpointBackend("us-east-1", emulators.localstack_url, {"sns": html_server})
    with pytest.raises(HarnessError, match=f"^endpoint for sns at {html_server} is not an AWS API"):
        backend.start()


def test_embedded_serves_what_the_emulators_do_not(emulators):
    backend = EndpointBackend(
        "us-east-1", emulators.localstack_url, {"cognito-idp": "embedded"}
    ).start()
    try:
        embedded = backend.endpoints.url("cognito-idp")
        assert embedded.startswith("http://127.0.0.1:")
        assert embedded not in (emulators.localstack_url, emulators.dynamodb_url)
    finally:
        backend.stop()
    backend.stop()  # idempotent


def test_a_start_that_fails_stops_the_embedded_server(closed_port_url):
    backend = EndpointBackend("us-east-1", closed_port_url, {"sqs": "embedded"})
    with pytest.raises(HarnessError, match="endpoint for s3"):
        backend.start()
    assert backend._embedded is None


def test_without_any_url_the_factory_says_what_to_set():
    with pytest.raises(
        ConfigError, match=r"--endpoint-url \(ANIMEHUB_ENDPOINT_URL\), --endpoint-urls"
    ):
        create_backend(Settings(backend="endpoint"))


def test_per_service_urls_must_cover_the_stack():
    with pytest.raises(ConfigError, match="no endpoint for s3, cognito-idp"):
        create_backend(Settings(backend="endpoint", endpoint_urls="dynamodb=http://h:1"))


def test_the_endpoint_file_is_read(tmp_path, emulators):
    path = tmp_path / "endpoints.yml"
    path.write_text(f"default: {emulators.localstack_url}\ndynamodb: {emulators.dynamodb_url}\n")
    backend = create_backend(Settings(backend="endpoint", endpoint_file=path))
    assert backend.default == emulators.localstack_url
    assert backend.per_service == {"dynamodb": emulators.dynamodb_url}
