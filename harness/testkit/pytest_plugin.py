"""pytest plugin: the AnimeHub stack, fresh fans, API clients and a browser, for scenarios.

Options (group "animehub"): --animehub-backend, --animehub-tasks, --animehub-stack-state
(attach to a stack started with `harness up --detach`), --animehub-results-dir; the unprefixed
names of the previous release still work, with a deprecation warning. Each session writes to
`<results>/<date>-<pid>/`; under pytest-xdist each worker starts its own stack in
`<session>/<worker>/run` on free ports: scenarios that break the stack on purpose would
otherwise break it for the other worker's tests too.

A failed test that used the stack leaves `<session>/<worker>/failures/<test>/`: screenshots of
its open pages, the Playwright trace (pytest-playwright's retain-on-failure, which this plugin
turns on and points there) and a copy of the stack's component logs; the failure report names
them.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from harness.control_plane.backends import selection
from harness.errors import ConfigError, HarnessError
from harness.testkit.clock_fixture import PER_MODULE_HELP, _module_clock, clock, data_plane_clock
from harness.testkit.failure_artifacts import pytest_runtest_makereport, save_failure_artifacts
from harness.testkit.fan_fixtures import api, make_api, make_user, open_app, user
from harness.testkit.plugin_config import (
    KEEP_RUNS,
    PLAYWRIGHT_DEFAULT_OUTPUT,
    RESULTS_DIR,
    RUN_ID_KEY,
    STACK_SUMMARY,
    results_dir,
    stack_settings,
    stack_state_option,
    stack_state_setting,
    worker_dir,
)
from harness.testkit.plugin_options import add_options, apply_aliases, flag, given
from harness.testkit.stack_fixtures import (
    AwsClients,
    _breaks_stack_needs_own_stack,
    aws,
    edge_url,
    edge_verify,
    mail_sink,
    push_sink,
    stack,
)

# The gate (--animehub-gate): a release or CI run that cannot go green by testing nothing; the
# tests marked costly first, spread over the workers; and the faults fixture.
pytest_plugins = ["harness.testkit.gate", "harness.testkit.costly_first", "harness.faults.fixture"]

# The fixtures and the failure hook live in modules of their own; pytest finds them here.
__all__ = [
    "AwsClients",
    "STACK_SUMMARY",
    "_breaks_stack_needs_own_stack",
    "api",
    "aws",
    "_module_clock",
    "clock",
    "data_plane_clock",
    "edge_url",
    "edge_verify",
    "make_api",
    "mail_sink",
    "make_user",
    "open_app",
    "push_sink",
    "pytest_runtest_makereport",
    "results_dir",
    "save_failure_artifacts",
    "stack",
    "stack_state_option",
    "user",
]

# -- options and configuration ------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


class _RunIdForWorkers:
    """Hands the controller's run id to each pytest-xdist worker."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def pytest_configure_node(self, node) -> None:
        node.workerinput[RUN_ID_KEY] = self.run_id


def _prune(base: Path, keep: int) -> None:
    runs = sorted(p for p in base.glob("20*") if p.is_dir())
    for old in runs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "breaks_stack: breaks the stack on purpose and restores it; skipped when attached to "
        "a stack that other workers share",
    )
    config.addinivalue_line("markers", selection.MARKER_HELP)
    config.addinivalue_line("markers", PER_MODULE_HELP)
    apply_aliases(config)
    configured = given(config, "results_dir") or os.environ.get("ANIMEHUB_RESULTS_DIR")
    base = (
        (Path(configured) if configured else config.invocation_params.dir / "results")
        .expanduser()
        .resolve()
    )
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        run_id = workerinput[RUN_ID_KEY]
    else:
        # One folder per session: two sessions in one checkout must not share a run dir.
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_RunIdForWorkers(run_id), "animehub-run-id")
    config.stash[RESULTS_DIR] = base / run_id
    if workerinput is None:
        _prune(base, KEEP_RUNS)
    try:
        stack_settings(config)
    except ConfigError as exc:
        raise pytest.UsageError(f"animehub: {exc}") from None

    option = config.option
    if getattr(option, "tracing", None) == "off":
        option.tracing = "retain-on-failure"
    if getattr(option, "output", None) == PLAYWRIGHT_DEFAULT_OUTPUT:
        option.output = str(worker_dir(config) / "failures")
    if config.pluginmanager.hasplugin("playwright"):
        # Registered now, after every entry-point plugin, so these overrides come last.
        from harness.testkit import pytest_browser

        config.pluginmanager.register(pytest_browser, "animehub-browser")


# -- report header and summary ------------------------------------------------------------


def _source(config: pytest.Config, setting: str) -> str:
    """Where a setting came from: the pytest option, an ANIMEHUB_* variable, or the default."""
    if given(config, setting):
        return flag(setting)
    variable = f"ANIMEHUB_{setting.upper()}"
    return f"env {variable}" if os.environ.get(variable) else "default"


def _backend_name(config: pytest.Config) -> str:
    state_path = stack_state_option(config)
    if state_path:
        from harness.lifecycle.attached_stack import AttachedStack

        return AttachedStack.load(state_path, stack_state_setting(config)).backend_name
    return stack_settings(config).backend


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a real deployment only the scenarios marked safe there run; the rest say why not."""
    try:
        backend = _backend_name(config)
    except HarnessError:
        return  # the stack fixture reports the bad setting where it is used
    for item in items:
        reason = selection.skip_reason(backend, item.iter_markers())
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_report_header(config: pytest.Config) -> list[str]:
    results = results_dir(config)
    state_path = stack_state_option(config)
    if state_path:
        from harness.lifecycle.attached_stack import AttachedStack

        try:
            attached = AttachedStack.load(state_path, stack_state_setting(config))
        except ConfigError as exc:
            return [f"animehub: cannot attach: {exc}"]
        lines = [
            f"animehub: attached to the stack in {attached.run_dir.path} "
            f"(backend {attached.backend_name}); results {results}",
            f"animehub: edge {attached.edge_url}",
        ]
        endpoints = attached.state.get("endpoints") or {}
        lines += [f"animehub:   {service} -> {url}" for service, url in sorted(endpoints.items())]
        return lines
    settings = stack_settings(config)
    backend_from = _source(config, "backend")
    tasks_from = _source(config, "tasks")
    lines = [
        f"animehub: backend {settings.backend} ({backend_from}), {settings.tasks} API tasks "
        f"({tasks_from}); results {results}",
    ]
    try:
        from harness.control_plane.backends.plan import planned_endpoints

        planned = planned_endpoints(settings)
    except (ImportError, HarnessError) as exc:
        planned = {"(unknown)": str(exc)}
    by_target: dict[str, list[str]] = {}
    for service, target in sorted(planned.items()):
        by_target.setdefault(target, []).append(service)
    lines.append("animehub: a stack per session (per xdist worker), started in-process")
    for target, services in by_target.items():
        where = (
            "an embedded moto server on 127.0.0.1 (free port)" if target == "embedded" else target
        )
        lines.append(f"animehub:   {where}: {', '.join(services)}")
    return lines


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    summaries = sorted(results_dir(config).glob(f"*/{STACK_SUMMARY}"))
    if not summaries:
        return
    terminalreporter.section("animehub stacks")
    for path in summaries:
        doc = json.loads(path.read_text())
        terminalreporter.line(
            f"{path.parent.name}: backend {doc.get('backend')}, edge {doc.get('edge_url')}, "
            f"logs {doc.get('run_dir')}/logs"
        )
        endpoints = doc.get("endpoints") or {}
        by_url: dict[str, list[str]] = {}
        for service, url in sorted(endpoints.items()):
            by_url.setdefault(url, []).append(service)
        for url, services in by_url.items():
            terminalreporter.line(f"  {url}: {', '.join(services)}")
