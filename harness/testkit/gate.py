"""The gate: a run that decides a release (`./dev test`, `.ci/run`, `tox -e e2e`, `harness
accept`) passes `--animehub-gate` (or sets ANIMEHUB_GATE=1), and then it cannot go green by testing
nothing.

Under the gate:
- no scenario collected at all is a failure, with one line saying so;
- a scenario that skips itself at run time (a fixture or the test calling `pytest.skip`) is a
  failure naming the reason. Skips the user chose stay skips: a `skip`/`skipif` marker, and the
  scenarios the chosen backend does not offer (added as markers at collection). `-m` and `-k`
  deselect rather than skip, so narrowing the run on purpose is untouched.

A scenario is a test in a folder named `scenarios` (the repository's, or one a test makes).
A missing browser is a failure whether or not the gate is on (see pytest_browser.py).
"""

from __future__ import annotations

import os

import pytest

SCENARIO_PROPERTY = "animehub_scenario"
NO_SCENARIOS = "gate: no scenario was collected, so nothing was tested (see --animehub-gate)"
RUNTIME_SKIP = "gate: a scenario may not skip in a gate run: "


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("animehub").addoption(
        "--animehub-gate",
        action="store_true",
        default=None,
        help="a release or CI gate: no scenario collected, or a scenario skipping at run time, "
        "fails the run (env ANIMEHUB_GATE=1)",
    )


def gate_on(config: pytest.Config) -> bool:
    return bool(config.getoption("animehub_gate")) or os.environ.get("ANIMEHUB_GATE", "") in (
        "1",
        "true",
    )


SCENARIO_FOLDER = "scenarios"


def is_scenario(item: pytest.Item) -> bool:
    return SCENARIO_FOLDER in item.path.parts


def _chosen_skip(item: pytest.Item) -> bool:
    """A skip the user asked for: a skip/skipif marker (collection adds one for scenarios the
    chosen backend does not offer)."""
    return any(item.iter_markers("skip")) or any(item.iter_markers("skipif"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if not is_scenario(item):
        return
    if report.when == "setup":
        report.user_properties.append((SCENARIO_PROPERTY, item.nodeid))
    if not (gate_on(item.config) and report.skipped) or hasattr(report, "wasxfail"):
        return
    if _chosen_skip(item):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = RUNTIME_SKIP + reason.removeprefix("Skipped: ")


class _ScenarioCount:
    """Counts, in the process that reports (the xdist controller, or the only one), the
    scenarios whose setup was reported."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == SCENARIO_PROPERTY:
                self.seen.add(value)


COUNT_PLUGIN = "animehub-gate-count"


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_ScenarioCount(), COUNT_PLUGIN)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    counter = config.pluginmanager.get_plugin(COUNT_PLUGIN)
    if counter is None or not gate_on(config) or counter.seen:
        return
    if exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR):
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(NO_SCENARIOS, red=True, bold=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
