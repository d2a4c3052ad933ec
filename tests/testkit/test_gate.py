"""The gate cannot go green by skipping: each way a run could test nothing, tried for real in a
subprocess (a pytest, or the install script) with no Chromium on the PATH."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.testkit.conftest import UNUSED_PLUGINS

REPO = Path(__file__).resolve().parents[2]

# A browser scenario that needs no stack: the edge is replaced by a URL nobody opens.
BROWSER_SCENARIO = """
import pytest

@pytest.fixture(scope="session")
def base_url():
    return "http://127.0.0.1:9"

@pytest.fixture(scope="session")
def stack():
    return None

def test_opens_a_page(page):
    pass
"""

SKIPPING_SCENARIOS = """
import pytest

@pytest.fixture(scope="session")
def stack():
    return None

@pytest.fixture
def needs_something(stack):
    pytest.skip("this stack has no push sink")

def test_skips_at_run_time(needs_something):
    pass

@pytest.mark.skip(reason="narrowed on purpose")
def test_skipped_by_marker(stack):
    pass
"""


def _bin_without_chromium(tmp_path: Path, tools: tuple[str, ...]) -> str:
    """A PATH holding only the given tools (links to the real ones): no Chromium, no apt-get."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in tools:
        found = shutil.which(tool)
        assert found, f"this test needs {tool} on the PATH"
        (folder / tool).symlink_to(found)
    return str(folder)


@pytest.fixture
def run_pytest(tmp_path, python_subprocess_env):
    """Runs pytest on one scenario file in a child process, with the given PATH and none of
    this run's ANIMEHUB_/PYTEST_ settings (only the unused plugins left out)."""
    base = {
        k: v for k, v in python_subprocess_env.items() if not k.startswith(("ANIMEHUB_", "PYTEST_"))
    }
    base["PYTEST_ADDOPTS"] = UNUSED_PLUGINS

    def run(source: str, *args: str, path: str) -> subprocess.CompletedProcess:
        return _pytest(tmp_path, source, *args, env=_env(base, path))

    return run


def _env(base: dict[str, str], path: str) -> dict[str, str]:
    return {**base, "PATH": path, "PLAYWRIGHT_BROWSERS_PATH": "/nonexistent"}


def _pytest(tmp_path: Path, source: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir(exist_ok=True)
    (scenarios / "test_scenario.py").write_text(source)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(scenarios),
            "-p",
            "no:randomly",
            "-q",
            *args,
            "--animehub-results-dir",
            str(tmp_path / "results"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_missing_browser_fails_the_run_with_one_line_naming_it(run_pytest, tmp_path):
    path = _bin_without_chromium(tmp_path, ())
    result = run_pytest(BROWSER_SCENARIO, path=path)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "1 error" in result.stdout
    assert "skipped" not in result.stdout
    lines = [line for line in result.stdout.splitlines() if "no Chromium" in line]
    assert lines and "install" in lines[0], result.stdout


def test_a_missing_override_is_named(run_pytest, tmp_path):
    path = _bin_without_chromium(tmp_path, ())
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "conftest.py").write_text(
        "import os\nos.environ['ANIMEHUB_CHROMIUM'] = '/no/such/chromium'\n"
    )
    result = run_pytest(BROWSER_SCENARIO, path=path)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    assert "no Chromium: ANIMEHUB_CHROMIUM=/no/such/chromium does not exist" in result.stdout


def test_under_the_gate_no_scenario_collected_is_a_failure(run_pytest):
    # Every scenario deselected (-k): the run tested nothing.
    result = run_pytest(SKIPPING_SCENARIOS, "--animehub-gate", "-k", "nothing", path=os.defpath)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "gate: no scenario was collected, so nothing was tested" in result.stdout


def test_without_the_gate_no_scenario_is_pytests_own_no_tests_status(run_pytest):
    result = run_pytest(SKIPPING_SCENARIOS, "-k", "nothing", path=os.defpath)
    assert result.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, result.stdout
    assert "gate:" not in result.stdout


def test_under_the_gate_a_run_time_skip_fails_and_a_chosen_skip_stays(run_pytest):
    result = run_pytest(SKIPPING_SCENARIOS, "--animehub-gate", "-rfEs", path=os.defpath)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "1 skipped, 1 error" in result.stdout
    assert (
        "ERROR scenarios/test_scenario.py::test_skips_at_run_time - gate: a scenario"
        in result.stdout
    )
    assert "gate: a scenario may not skip in a gate run: this stack has no push sink" in (
        result.stdout
    )
    assert "SKIPPED [1] scenarios/test_scenario.py:15: narrowed on purpose" in result.stdout


# One xdist worker: the scenarios' count crosses from a worker to the controller as with more.


def test_under_the_gate_with_workers_no_scenario_is_a_failure(run_pytest):
    result = run_pytest(
        SKIPPING_SCENARIOS, "--animehub-gate", "-n", "1", "-k", "nothing", path=os.defpath
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "gate: no scenario was collected" in result.stdout


def test_the_gate_counts_scenarios_run_on_workers(run_pytest):
    source = (
        "import pytest\n\n@pytest.fixture(scope='session')\ndef stack():\n    return None\n\n"
        "def test_scenario(stack):\n    pass\n"
    )
    result = run_pytest(source, "--animehub-gate", "-n", "1", path=os.defpath)
    assert result.returncode == pytest.ExitCode.OK, result.stdout
    assert "gate:" not in result.stdout


def test_install_browser_exits_non_zero_naming_the_missing_browser(tmp_path, python_subprocess_env):
    # Only what the script needs besides a browser, and no apt-get to install one with.
    path = _bin_without_chromium(tmp_path, ("bash", "id", "dirname", "cat", "sha256sum", "cut"))
    result = subprocess.run(
        [str(REPO / "scripts" / "bootstrap.sh"), "--browser"],
        env={**_env(python_subprocess_env, path), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "install-browser: no Chromium or certutil found and none could be installed: "
        "'apt-get install chromium libnss3-tools' (as root), or set ANIMEHUB_CHROMIUM"
    )
