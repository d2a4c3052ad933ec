import asyncio
import concurrent.futures
import os

import pytest

from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.testkit.plugin_config import STACK_SUMMARY, worker_dir


@pytest.fixture(scope="session")
def endpoints():
    """One real moto server on 127.0.0.1 for the unit tests of the harness's parts."""
    backend = EmbeddedBackend("us-east-1").start()
    yield backend.endpoints
    backend.stop()


@pytest.fixture(scope="session")
def engine():
    """A Docker engine's client; without one the test skips, saying why."""
    from harness.containers.engine import connect, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    client = connect(timeout=600)
    yield client
    client.close()


@pytest.fixture(scope="session")
def api_image(engine):
    """The API image, built offline unless it is there already (seconds once cached)."""
    from harness.containers.api_image import build_api_image

    return build_api_image(engine)


def labelled_containers(engine, label: str, *, running: bool = False) -> list:
    """Sparse (no inspect each), so that a container removed meanwhile does not fail it."""
    filters = {"label": label, **({"status": "running"} if running else {})}
    return engine.containers.list(all=not running, sparse=True, filters=filters)


@pytest.fixture(scope="session")
def moto_image(engine):
    """An emulator image built here from moto's wheels (where LocalStack's cannot be pulled)."""
    from harness.containers.moto_image import ensure_moto_image

    return ensure_moto_image(engine)


@pytest.fixture(scope="session")
def python_subprocess_env(tmp_path_factory) -> dict[str, str]:
    """os.environ for a Python child process (a pytest, `python -m harness`) that keeps its
    bytecode, and pytest's assertion-rewritten modules, in one cache shared by the run's
    workers, outside the tree. With PYTHONDONTWRITEBYTECODE set, each child would compile again,
    and each pytest child rewrite again, every module of harness/ and of each pytest plugin's
    package (hypothesis alone: ~1.5 s of CPU per child). Caching changes nothing the child
    does, only what it costs."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(shared / "pycache")}


@pytest.fixture(scope="session")
def stack_state(stack, request) -> str:
    """A state file for this session's stack (its status document, which the plugin writes when
    it starts one), for a child pytest to attach to with `--animehub-stack-state` instead of
    starting and stopping a stack of its own. Only for children that leave the stack as they
    found it; the test that runs one holds this worker, so nothing else uses the stack meanwhile."""
    if getattr(stack, "attached", False):
        return str(stack.state_path)
    return str(worker_dir(request.config) / STACK_SUMMARY)


@pytest.fixture
def run_on_own_loop():
    """Runs a coroutine to its end on a new event loop, in a thread of its own: a worker that ran
    the Playwright scenarios keeps a loop running on its main thread, where asyncio.run refuses."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        yield lambda coroutine: thread.submit(asyncio.run, coroutine).result()
