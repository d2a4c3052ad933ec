"""pytest plugin for acceptance runs (`-p harness.acceptance.collector`): records what each
test's browser and API clients were answered, and, for a failed test, writes beside its other
artifacts `requests.json` (every response: method, URL, status, X-Amz-Cf-Id, X-Cache, Location)
and `pushes.json` (what the push sink received), then one line per test in `tests.jsonl` under
`--animehub-acceptance-dir` for the report."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

RECORDED = pytest.StashKey[list]()
OUTCOMES_FILE = "tests.jsonl"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("animehub").addoption(
        "--animehub-acceptance-dir",
        metavar="DIR",
        default=None,
        help="where an acceptance run's per-test records go (set by `harness accept`)",
    )


def response_record(sender: str, method: str, url: str, status: int, headers) -> dict:
    return {
        "at": time.time(),
        "sender": sender,
        "method": method,
        "url": url,
        "status": status,
        "request_id": headers.get("x-amz-cf-id"),
        "x_cache": headers.get("x-cache"),
        "location": headers.get("location"),
    }


class _BrowserLog:
    """Fixtures registered after pytest-playwright's, so that `new_context` here wraps its."""

    @pytest.fixture
    def new_context(self, new_context, request):
        recorded = request.node.stash.setdefault(RECORDED, [])

        def record(response) -> None:
            try:
                headers = response.headers
            except Exception:  # noqa: BLE001 - a response of a closed page: nothing to record
                return
            recorded.append(
                response_record(
                    "browser", response.request.method, response.url, response.status, headers
                )
            )

        def make(**kwargs):
            context = new_context(**kwargs)
            context.on("response", record)
            return context

        return make

    @pytest.fixture
    def make_api(self, make_api, request):
        recorded = request.node.stash.setdefault(RECORDED, [])

        def hook(response) -> None:
            recorded.append(
                response_record(
                    "test client",
                    response.request.method,
                    str(response.request.url),
                    response.status_code,
                    response.headers,
                )
            )

        def make(fan=None):
            client = make_api(fan)
            client.event_hooks["response"].append(hook)
            return client

        return make


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("playwright"):
        config.pluginmanager.register(_BrowserLog(), "animehub-acceptance-browser-log")


def _artifacts(report: pytest.TestReport) -> str | None:
    return next((v for k, v in report.user_properties if k == "animehub_artifacts"), None)


def _pushes(item: pytest.Item) -> dict:
    stack = item.funcargs.get("stack")
    sink = getattr(stack, "push_sink", None)
    if sink is None or not hasattr(sink, "all_notifications"):
        return {}
    try:
        return sink.all_notifications()
    except Exception as exc:  # noqa: BLE001 - the push sink may be what broke
        return {"error": repr(exc)}


# The outermost wrapper: the stack plugin has named the artifacts folder by the time it runs.
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    folder = _artifacts(report)
    if report.failed and folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        (path / "requests.json").write_text(
            json.dumps(item.stash.get(RECORDED, []), indent=1, default=str)
        )
        (path / "pushes.json").write_text(json.dumps(_pushes(item), indent=1, default=str))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In the process that reports (the xdist controller too): one line per test phase that
    decides the outcome."""
    config = _CONFIG.get("config")
    if config is None or hasattr(config, "workerinput"):
        return
    target = config.getoption("animehub_acceptance_dir")
    if not target:
        return
    if report.when != "call" and not (report.failed or report.skipped):
        return
    line = {
        "nodeid": report.nodeid,
        "when": report.when,
        "outcome": report.outcome,
        "duration": round(report.duration, 3),
        "message": report.longreprtext if report.failed else "",
        "skip_reason": report.longrepr[2]
        if report.skipped and isinstance(report.longrepr, tuple)
        else "",
        "artifacts": _artifacts(report),
        "worker": getattr(report, "node", None) and report.node.gateway.id,
    }
    Path(target).mkdir(parents=True, exist_ok=True)
    with open(Path(target) / OUTCOMES_FILE, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
        out.flush()
        os.fsync(out.fileno())


_CONFIG: dict = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config
