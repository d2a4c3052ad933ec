"""Overrides of pytest-playwright's fixtures: Chromium from wherever it is, the edge as the
base URL. The harness's pytest plugin registers this module after every entry-point plugin,
so these definitions come last and win."""

from __future__ import annotations

import os

import pytest

from harness.testkit.browser import CHROMIUM_ARGS, find_chromium, home_trusting, no_chromium_line


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args, playwright, pytestconfig, stack, tmp_path_factory
):
    """pytest-playwright's launch arguments, plus a Chromium from wherever one is installed
    (ANIMEHUB_CHROMIUM, Playwright's own, the system's), the flags it needs here, and a HOME
    whose NSS database trusts the run's CA, so the edge's HTTPS verifies for real."""
    if set(pytestconfig.getoption("browser") or ["chromium"]) != {"chromium"}:
        return browser_type_launch_args
    launch = dict(browser_type_launch_args)
    if "executable_path" not in launch:
        executable = find_chromium(playwright)
        if executable is None:
            # A failure, not a skip: a run without a browser has not tested the scenarios.
            pytest.fail(no_chromium_line(), pytrace=False)
        launch["executable_path"] = executable
        launch["args"] = [*launch.get("args", []), *CHROMIUM_ARGS]
    if stack.edge_ca:
        try:
            home = home_trusting(stack.edge_ca, tmp_path_factory.mktemp("browser-home"))
        except FileNotFoundError as exc:
            pytest.fail(str(exc), pytrace=False)
        launch["env"] = {**os.environ, **launch.get("env", {}), "HOME": str(home)}
    return launch


# Playwright's 5 s default for `expect` is a budget on a loaded 2-core machine (a share took
# 8.7 s through the stack with three workers and other suites running): a check waits for its
# state with a time-out that only catches a hang.
EXPECT_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session", autouse=True)
def _generous_expect_timeout() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def base_url(pytestconfig, stack) -> str:
    """--base-url if given, else the stack's edge: `page.goto("/")` opens the web app."""
    return pytestconfig.getoption("base_url", None) or stack.edge_url
