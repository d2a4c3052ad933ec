"""A Docker engine and the API image for the container tests; without an engine they skip,
saying why (scripts/docker-engine.sh starts one)."""

from __future__ import annotations

import pytest

from harness.containers.engine import connect, unavailable_reason


@pytest.fixture(scope="session")
def engine():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    client = connect(timeout=600)
    yield client
    client.close()


@pytest.fixture(scope="session")
def api_image(engine):
    """The API image, built (offline) unless it is there already: seconds once cached."""
    from harness.containers.api_image import build_api_image

    return build_api_image(engine)


def run_containers(engine, label: str) -> list:
    return engine.containers.list(all=True, filters={"label": label})
