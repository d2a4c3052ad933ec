"""pytest plugin: the AnimeHub stack, fresh fans, API clients and a browser, for scenarios.

Options (group "animehub"): --backend, --tasks, --stack-state (attach to a stack started with
`harness up --detach`), --results-dir. Each session writes to `<results>/<date>-<pid>/`; under
pytest-xdist each worker starts its own stack in `<session>/<worker>/run` on free ports:
scenarios that break the stack on purpose would otherwise break it for the other worker's
tests too.

A failed test that used the stack leaves `<session>/<worker>/failures/<test>/`: screenshots of
its open pages, the Playwright trace (pytest-playwright's retain-on-failure, which this plugin
turns on and points there) and a copy of the stack's component logs; the failure report names
them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

from harness.control_plane.backends import selection
from harness.errors import ConfigError, HarnessError
from harness.settings import BACKENDS, Settings

# The gate (--gate): a release or CI run that cannot go green by testing nothing.
pytest_plugins = ["harness.testkit.gate", "harness.faults.fixture"]

RESULTS_DIR = pytest.StashKey[Path]()
RUN_ID_KEY = "animehub_run_id"
KEEP_RUNS = 10
STACK_SUMMARY = "stack.json"
PLAYWRIGHT_DEFAULT_OUTPUT = "test-results"


# -- options and configuration ------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("animehub", "AnimeHub stack")
    group.addoption(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="where the AWS APIs come from (env ANIMEHUB_BACKEND; default embedded)",
    )
    group.addoption(
        "--tasks",
        default=None,
        help="API tasks the stack runs, 1-10 (env ANIMEHUB_TASKS; default 2)",
    )
    group.addoption(
        "--stack-state",
        metavar="PATH",
        default=None,
        help="attach to a stack started with `harness up --detach`: its <run-dir>/state.json "
        "or the run dir (env ANIMEHUB_STACK_STATE)",
    )
    group.addoption(
        "--results-dir",
        metavar="DIR",
        default=None,
        help="a folder per session (<results>/<date>-<pid>/<worker>/) with each worker's "
        "stack run dir and failure artifacts (env ANIMEHUB_RESULTS_DIR; default ./results)",
    )


def worker_id(config: pytest.Config) -> str:
    # From the worker's own input, not PYTEST_XDIST_WORKER: a pytest started inside a worker
    # (pytester) inherits that variable without being a worker.
    return getattr(config, "workerinput", {}).get("workerid", "main")


def results_dir(config: pytest.Config) -> Path:
    return config.stash[RESULTS_DIR]


def worker_dir(config: pytest.Config) -> Path:
    return results_dir(config) / worker_id(config)


def stack_state_option(config: pytest.Config) -> str | None:
    return config.getoption("stack_state") or os.environ.get("ANIMEHUB_STACK_STATE") or None


def stack_settings(config: pytest.Config) -> Settings:
    overrides = {
        "run_dir": worker_dir(config) / "run",
        "backend": config.getoption("backend"),
        "tasks": config.getoption("tasks"),
    }
    if worker_id(config) != "main":
        # Fixed ports cannot serve one stack per worker.
        overrides |= {"edge_port": 0, "alb_port": 0, "emulator_port": 0, "push_sink_port": 0}
    return Settings.from_env(**overrides)


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
    configured = config.getoption("results_dir") or os.environ.get("ANIMEHUB_RESULTS_DIR")
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
    if config.getoption(setting):
        return f"--{setting}"
    variable = f"ANIMEHUB_{setting.upper()}"
    return f"env {variable}" if os.environ.get(variable) else "default"


def _backend_name(config: pytest.Config) -> str:
    state_path = stack_state_option(config)
    if state_path:
        from harness.lifecycle.attached_stack import AttachedStack

        return AttachedStack.load(state_path).backend_name
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
            attached = AttachedStack.load(state_path)
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


# -- the stack and what tests take from it ------------------------------------------------


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest):
    """The session's stack: started in-process (and stopped at the end), or attached."""
    config = request.config
    state_path = stack_state_option(config)
    if state_path:
        from harness.lifecycle.attached_stack import AttachedStack

        yield AttachedStack.load(state_path)
        return
    from harness.lifecycle.stack import Stack

    settings = stack_settings(config)
    shutil.rmtree(settings.run_dir, ignore_errors=True)
    summary = worker_dir(config) / STACK_SUMMARY
    summary.unlink(missing_ok=True)
    running = Stack(settings)
    try:
        running.start()
    except HarnessError as exc:
        raise HarnessError(
            f"the stack did not start: {exc} (logs: {settings.run_dir}/logs)"
        ) from exc
    try:
        summary.write_text(json.dumps(running.describe(), indent=2, default=str))
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def edge_url(stack) -> str:
    return stack.edge_url


class AwsClients:
    """boto3 clients on the stack's endpoints: `aws("cognito-idp")` or `aws.cognito_idp`."""

    def __init__(self, endpoints) -> None:
        self.endpoints = endpoints
        self._clients: dict[str, object] = {}

    def __call__(self, service: str):
        if service not in self._clients:
            self._clients[service] = self.endpoints.client(service)
        return self._clients[service]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self(name.replace("_", "-"))


@pytest.fixture(scope="session")
def aws(stack) -> AwsClients:
    return AwsClients(stack.endpoints)


@pytest.fixture(scope="session")
def push_sink(stack):
    if stack.push_sink is None:
        pytest.skip("this stack has no push sink")
    return stack.push_sink


@pytest.fixture
def make_user(stack, aws):
    """Makes fresh confirmed, signed-in fans (harness.testkit.fans.Fan); deletes them afterwards."""
    from botocore.exceptions import ClientError

    from harness.testkit.fans import create_fan, delete_fan

    cognito = aws("cognito-idp")
    made = []

    def make(**options):
        fan = create_fan(
            cognito, stack.record.user_pool_id, stack.record.user_pool_client_id, **options
        )
        made.append(fan)
        return fan

    yield make
    for fan in made:
        with contextlib.suppress(ClientError):
            delete_fan(cognito, stack.record.user_pool_id, fan)


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def make_api(edge_url):
    """`make_api(fan=None)`: an httpx client on the edge, signed in as `fan` if given."""
    clients: list[httpx.Client] = []

    def make(fan=None) -> httpx.Client:
        client = httpx.Client(
            base_url=edge_url,
            headers=fan.auth_header if fan is not None else {},
            timeout=15,
            trust_env=False,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_api, user) -> httpx.Client:
    return make_api(user)


@pytest.fixture
def open_app(new_context, edge_url):
    """`open_app(fan=None, path="/")`: the web app in a browser context of its own, signed in
    as `fan` (its session put where the app keeps it) and using `fan.device_id` for pushes.
    With `path=None` the page is returned before it loads anything."""

    def open_(fan=None, path: str | None = "/"):
        storage = []
        if fan is not None:
            storage = [
                {"name": "animehub.session", "value": json.dumps(fan.browser_session())},
                {"name": "animehub.device", "value": fan.device_id},
            ]
        origins = [{"origin": edge_url, "localStorage": storage}]
        context = new_context(storage_state={"cookies": [], "origins": origins})
        page = context.new_page()
        if path is not None:
            page.goto(path)
        return page

    return open_


@pytest.fixture(autouse=True)
def _breaks_stack_needs_own_stack(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("breaks_stack") is None:
        return
    if stack_state_option(request.config) and worker_id(request.config) != "main":
        pytest.skip("breaks the stack on purpose: not on a stack other workers share")


# -- the browser --------------------------------------------------------------------------


# -- artifacts of a failed test -----------------------------------------------------------


def _slug(nodeid: str) -> str:
    # The folder pytest-playwright names after the test, so that its trace lands beside ours.
    try:
        from slugify import slugify
    except ImportError:
        slug = re.sub(r"[^a-z0-9]+", "-", nodeid.lower()).strip("-")
    else:
        slug = slugify(nodeid)
    return slug if len(slug) < 256 else f"{slug[:100]}-{slug[-100:]}"


def _screenshots(item: pytest.Item, folder: Path) -> list[Path]:
    browser = item.funcargs.get("browser")
    if browser is None:
        return []
    saved = []
    pages = [page for context in browser.contexts for page in context.pages]
    for index, page in enumerate(pages, start=1):
        path = folder / f"screenshot-{index}.png"
        try:
            page.screenshot(path=str(path), timeout=5000)
        except Exception:  # noqa: BLE001 - a page that cannot be shot must not hide the failure
            continue
        saved.append(path)
    return saved


def save_failure_artifacts(item: pytest.Item, when: str) -> list[str]:
    config = item.config
    folder = worker_dir(config) / "failures" / _slug(item.nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"artifacts: {folder}"]
    if when == "call":
        lines += [f"  screenshot: {p}" for p in _screenshots(item, folder)]
    if item.funcargs.get("browser") is not None and getattr(config.option, "tracing", "off") in (
        "on",
        "retain-on-failure",
    ):
        lines.append(f"  trace: {folder}/trace*.zip (written as the test's contexts close)")
    running = item.funcargs.get("stack")
    logs = running.run_dir.logs if running is not None else stack_settings(config).run_dir / "logs"
    if logs.is_dir():
        shutil.copytree(logs, folder / "logs", dirs_exist_ok=True)
        lines.append(f"  component logs: {folder / 'logs'} (copied from {logs})")
    if running is not None:
        try:
            status = running.describe()
        except Exception as exc:  # noqa: BLE001 - the stack may be what broke
            status = {"error": repr(exc)}
        (folder / STACK_SUMMARY).write_text(json.dumps(status, indent=2, default=str))
        lines.append(f"  stack status: {folder / STACK_SUMMARY}")
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed or "stack" not in getattr(item, "fixturenames", ()):
        return
    try:
        lines = save_failure_artifacts(item, report.when)
    except Exception as exc:  # noqa: BLE001 - never let artifact trouble hide the failure
        lines = [f"artifacts could not be saved: {exc!r}"]
    report.sections.append(("animehub artifacts", "\n".join(lines)))
    report.user_properties.append(("animehub_artifacts", lines[0].removeprefix("artifacts: ")))
