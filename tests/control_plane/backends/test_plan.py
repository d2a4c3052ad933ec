from harness.control_plane.backends.plan import planned_endpoints
from harness.control_plane.endpoints import SERVICES
from harness.settings import Settings


def test_the_plan_names_every_service_per_backend(monkeypatch):
    monkeypatch.delenv("LOCALSTACK_AUTH_TOKEN", raising=False)
    endpoint = Settings(
        backend="endpoint", endpoint_url="http://a:1", endpoint_urls="dynamodb=http://b:2"
    )
    assert planned_endpoints(endpoint)["dynamodb"] == "http://b:2"
    assert planned_endpoints(endpoint)["s3"] == "http://a:1"
    containers = planned_endpoints(Settings(backend="containers"))
    assert (containers["dynamodb"], containers["ecs"]) == ("dynamodb-local", "embedded")
    aws = planned_endpoints(Settings(backend="aws", aws_stack_name="s"))
    assert set(aws.values()) == {"aws"}
    for settings in (Settings(), endpoint, Settings(backend="aws", aws_stack_name="s")):
        assert set(planned_endpoints(settings)) == set(SERVICES)
