import pytest

from harness.control_plane.backends.probe import CHEAP_CALLS, probe, probe_all
from harness.control_plane.endpoints import STACK_SERVICES, EndpointMap
from harness.errors import HarnessError


def _map(default: str, **per_service: str) -> EndpointMap:
    return EndpointMap(default=default, region="us-east-1", per_service=per_service)


def test_every_known_service_has_a_cheap_call():
    from harness.control_plane.endpoints import SERVICES

    assert set(CHEAP_CALLS) == set(SERVICES)


def test_a_closed_port_is_named_with_its_service_in_one_line(closed_port_url):
    with pytest.raises(HarnessError) as failure:
        probe(_map(closed_port_url), "dynamodb")
    message = str(failure.value)
    assert message == f"endpoint for dynamodb at {closed_port_url} does not answer " + (
        "(connection refused or host unreachable)"
    )
    assert "\n" not in message


@pytest.mark.parametrize("service", sorted(CHEAP_CALLS))
def test_a_web_page_is_not_an_aws_api(html_server, service):
    with pytest.raises(HarnessError, match=rf"^endpoint for {service} at {html_server} is not an"):
        probe(_map(html_server), service)


def test_an_emulator_answers_every_stack_service(emulators):
    probe_all(_map(emulators.localstack_url), STACK_SERVICES)


def test_probe_all_reports_the_service_that_fails(emulators, closed_port_url):
    endpoints = _map(emulators.localstack_url, sqs=closed_port_url)
    with pytest.raises(HarnessError, match=f"^endpoint for sqs at {closed_port_url} does not"):
        probe_all(endpoints, STACK_SERVICES)


def test_an_aws_error_still_counts_as_an_aws_api(emulators):
    # sqs is probed with a queue that does not exist: the emulator's error is a valid answer.
    probe(_map(emulators.localstack_url), "sqs")
