from types import SimpleNamespace

import pytest

from harness.control_plane.backends.selection import AWS_SAFE, skip_reason


@pytest.mark.parametrize("backend", ["embedded", "endpoint", "containers"])
def test_every_scenario_runs_on_emulators(backend):
    assert skip_reason(backend, []) is None
    assert skip_reason(backend, ["slow"]) is None


def test_on_aws_only_scenarios_marked_safe_run():
    assert skip_reason("aws", [AWS_SAFE]) is None
    reason = skip_reason("aws", ["slow"])
    assert reason.startswith("not marked aws_safe")
    assert skip_reason("aws", []) == reason


def test_mark_objects_are_accepted():
    # pytest's Mark objects are read by their .name, as item.iter_markers() yields them.
    assert skip_reason("aws", [SimpleNamespace(name=AWS_SAFE, args=())]) is None
    assert skip_reason("aws", [SimpleNamespace(name="slow", args=())]) is not None
