import pytest

# Plugins this venv installs that no child pytest of these tests uses: hypothesis's imports all
# of hypothesis (~1.3 s of CPU per process), anyio's and platformdirs' ~0.4 s together.
UNUSED_PLUGINS = "-p no:hypothesispytest -p no:anyio -p no:platformdirs"


@pytest.fixture
def child_pytest_env(python_subprocess_env) -> dict[str, str]:
    """python_subprocess_env for a child pytest (and its xdist workers), without the plugins
    it does not use: what the child tests is the same, its start costs less."""
    addopts = python_subprocess_env.get("PYTEST_ADDOPTS", "")
    return {**python_subprocess_env, "PYTEST_ADDOPTS": f"{addopts} {UNUSED_PLUGINS}".strip()}
