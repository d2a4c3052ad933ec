import pytest

from harness.control_plane.backends.embedded import EmbeddedBackend


@pytest.fixture(scope="session")
def endpoints():
    """One real moto server on 127.0.0.1 for the unit tests of the harness's parts."""
    backend = EmbeddedBackend("us-east-1").start()
    yield backend.endpoints
    backend.stop()
