"""Find a Chromium for Playwright: its own download where present, else Debian's.

`python -m harness.testkit.browser` prints the executable and exits 0, or says why not and exits 1.
"""

from __future__ import annotations

import os
import shutil
import sys

# This machine's network is closed: without these Chromium keeps dialling out, and as root it
# needs --no-sandbox.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

SYSTEM_CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


def playwright_chromium() -> str | None:
    """Playwright's own Chromium, if it was downloaded on this machine."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # noqa: BLE001 - no driver or no browser: either way, none to use
        return None
    return path if path and os.path.exists(path) else None


def system_chromium() -> str | None:
    for name in SYSTEM_CHROMIUM:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_chromium() -> str | None:
    """The executable to launch, or None when there is no Chromium at all."""
    override = os.environ.get("ANIMEHUB_CHROMIUM")
    if override:
        return override if os.path.exists(override) else None
    return playwright_chromium() or system_chromium()


if __name__ == "__main__":
    found = find_chromium()
    if found is None:
        print("no Chromium: neither Playwright's own nor a system one (apt-get install chromium)")
        sys.exit(1)
    print(found)
