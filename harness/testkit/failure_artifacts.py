"""What a failed test that used the stack leaves behind: screenshots, the Playwright trace, the
component logs and the stack's status, named in the failure report."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from harness.testkit.plugin_config import STACK_SUMMARY, stack_settings, worker_dir
from harness.types import StatusDocument


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
        status: StatusDocument | dict[str, str]
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
