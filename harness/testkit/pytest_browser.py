"""Overrides of pytest-playwright's fixtures: Chromium from wherever it is, the edge as the
base URL. The harness's pytest plugin registers this module after every entry-point plugin,
so these definitions come last and win."""

from __future__ import annotations

import pytest

from harness.testkit.browser import CHROMIUM_ARGS, find_chromium, no_chromium_line


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright, pytestconfig):
    """pytest-playwright's launch arguments, plus a Chromium from wherever one is installed
    (ANIMEHUB_CHROMIUM, Playwright's own, the system's) and the flags it needs here."""
    if set(pytestconfig.getoption("browser") or ["chromium"]) != {"chromium"}:
        return browser_type_launch_args
    if "executable_path" in browser_type_launch_args:
        return browser_type_launch_args
    executable = find_chromium(playwright)
    if executable is None:
        # A failure, not a skip: a run without a browser has not tested the scenarios.
        pytest.fail(no_chromium_line(), pytrace=False)
    args = [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]
    return {**browser_type_launch_args, "executable_path": executable, "args": args}


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
