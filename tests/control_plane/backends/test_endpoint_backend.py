"""The endpoint backend against two real emulator processes: DynamoDB on one, the rest on the
other. Each emulator's own state shows where every call went."""

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from harness.control_plane.backends import create_backend
from harness.control_plane.backends.endpoint import EndpointBackend
from harness.control_plane.backends.plan import planned_endpoints
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.provision import provision
from harness.data_plane.api_front import ApiFront
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
        front = ApiFront(backend.endpoints).start()  # CloudFront Functions' LIVE stage
        try:
            record = provision(front.endpoints, Blueprint(name="routed"))
        finally:
            front.stop()
    finally:
        backend.stop()

    dynamodb_local = _direct(emulators.dynamodb_url, "dynamodb").list_tables()["TableNames"]
    localstack = _direct(emulators.localstack_url, "dynamodb").list_tables()["TableNames"]
    assert {record.anime_table, record.users_table} <= set(dynamodb_local)
    assert not {t for t in localstack if t.startswith("routed-")}

    buckets = {b["Name"] for b in _direct(emulators.localstack_url, "s3").list_buckets()["Buckets"]}
    assert {record.web_bucket, record.media_bucket} <= buckets
    # The DynamoDB emulator is dynalite, not a second moto: it serves no S3 at all.
    with pytest.raises(ClientError, match="ListBuckets"):
        _direct(emulators.dynamodb_url, "s3").list_buckets()
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


def test_without_any_url_the_factory_says_what_to_set(sdk_environment):
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


@pytest.fixture
def sdk_environment(monkeypatch):
    """No AWS_ENDPOINT_URL* but what the test sets."""
    import os

    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    return monkeypatch


def test_aws_endpoint_url_dynamodb_alone_points_dynamodb_there(sdk_environment, emulators):
    # The SDKs' convention [AWS SDKs and Tools: service-specific endpoints]: no ANIMEHUB_* at all.
    sdk_environment.setenv("AWS_ENDPOINT_URL_DYNAMODB", emulators.dynamodb_url)
    settings = Settings(backend="endpoint")
    assert planned_endpoints(settings)["dynamodb"] == emulators.dynamodb_url
    # Alone it covers DynamoDB only; the error names the services still without an endpoint.
    with pytest.raises(ConfigError, match="no endpoint for s3, cognito-idp") as refused:
        create_backend(settings)
    assert "dynamodb" not in str(refused.value).split(";")[0]


def test_the_sdk_variables_route_a_started_backend(sdk_environment, emulators):
    sdk_environment.setenv("AWS_ENDPOINT_URL", emulators.localstack_url)
    sdk_environment.setenv("AWS_ENDPOINT_URL_DYNAMODB", emulators.dynamodb_url)
    backend = create_backend(Settings(backend="endpoint"))
    assert (backend.default, backend.per_service) == (
        emulators.localstack_url,
        {"dynamodb": emulators.dynamodb_url},
    )
    backend.start()
    try:
        table = f"sdk-routed-{uuid.uuid4().hex[:8]}"
        backend.endpoints.client("dynamodb").create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
    finally:
        backend.stop()
    assert table in _direct(emulators.dynamodb_url, "dynamodb").list_tables()["TableNames"]
    assert table not in _direct(emulators.localstack_url, "dynamodb").list_tables()["TableNames"]


def test_animehub_settings_win_over_the_sdk_variables(sdk_environment):
    sdk_environment.setenv("AWS_ENDPOINT_URL", "http://sdk.invalid:1")
    backend = create_backend(Settings(backend="endpoint", endpoint_url="http://animehub:4566"))
    assert backend.default == "http://animehub:4566"
    sdk_environment.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    with pytest.raises(ConfigError, match="needs a URL"):
        create_backend(Settings(backend="endpoint"))


def test_a_bad_sdk_url_names_its_variable(sdk_environment):
    sdk_environment.setenv("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000")
    with pytest.raises(ConfigError, match="^AWS_ENDPOINT_URL_DYNAMODB: 'localhost:8000'"):
        create_backend(Settings(backend="endpoint"))
