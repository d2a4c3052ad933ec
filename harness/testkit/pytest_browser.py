"""Overrides of pytest-playwright's fixtures: Chromium from wherever it is, the edge as the
base URL. The harness's pytest plugin registers this module after every entry-point plugin,
so these definitions come last and win."""

from __future__ import annotations

import pytest

from harness.testkit.browser import CHROMIUM_ARGS, NO_CHROMIUM, find_chromium


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
        pytest.skip(NO_CHROMIUM)
    args = [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]
    return {**browser_type_launch_args, "executable_path": executable, "args": args}


@pytest.fixture(scope="session")
def base_url(pytestconfig, stack) -> str:
    """--base-url if given, else the stack's edge: `page.goto("/")` opens the web app."""
    return pytestconfig.getoption("base_url", None) or stack.edge_url
