"""Overrides of pytest-playwright's fixtures: Chromium from wherever it is, the edge as the
base URL. The harness's pytest plugin registers this module after every entry-point plugin,
so these definitions come last and win."""

from __future__ import annotations

import os

import pytest

from harness.testkit.browser import CHROMIUM_ARGS, system_chromium

NO_CHROMIUM = (
    "no Chromium: neither Playwright's own browser nor a system one on the PATH "
    "(install it with `scripts/bootstrap.sh --browser`, `apt-get install chromium` or "
    "`playwright install chromium`, or point ANIMEHUB_CHROMIUM at one)"
)


def no_chromium_line() -> str:
    override = os.environ.get("ANIMEHUB_CHROMIUM")
    if override:
        return f"no Chromium: ANIMEHUB_CHROMIUM={override} does not exist"
    return NO_CHROMIUM


def chromium_executable(playwright) -> str | None:
    """ANIMEHUB_CHROMIUM, else Playwright's own download, else the system's Chromium."""
    override = os.environ.get("ANIMEHUB_CHROMIUM")
    if override:
        return override if os.path.exists(override) else None
    try:
        own = playwright.chromium.executable_path
    except Exception:  # noqa: BLE001 - no browser registry: fall back to the system's
        own = None
    if own and os.path.exists(own):
        return own
    return system_chromium()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright, pytestconfig):
    if set(pytestconfig.getoption("browser") or ["chromium"]) != {"chromium"}:
        return browser_type_launch_args
    if "executable_path" in browser_type_launch_args:
        return browser_type_launch_args
    executable = chromium_executable(playwright)
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
