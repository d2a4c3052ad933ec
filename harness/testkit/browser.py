"""Find a Chromium for Playwright: its own download where present, else Debian's.

`python -m harness.testkit.browser` prints the executable and exits 0, or says why not and exits 1.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
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
NO_CHROMIUM = (
    "no Chromium: neither Playwright's own browser nor a system one on the PATH "
    "(install it with `scripts/bootstrap.sh --browser`, `apt-get install chromium` or "
    "`playwright install chromium`, or point ANIMEHUB_CHROMIUM at one)"
)


def no_chromium_line() -> str:
    """Why no Chromium was found, naming ANIMEHUB_CHROMIUM when it points nowhere."""
    override = os.environ.get("ANIMEHUB_CHROMIUM")
    if override:
        return f"no Chromium: ANIMEHUB_CHROMIUM={override} does not exist"
    return NO_CHROMIUM


def playwright_chromium(playwright=None) -> str | None:
    """Playwright's own Chromium, if it was downloaded on this machine. `playwright` is a
    running Playwright (pytest-playwright's fixture); without one, a short-lived one is started."""
    try:
        if playwright is not None:
            path = playwright.chromium.executable_path
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                path = p.chromium.executable_path
    except Exception:  # noqa: BLE001 - no package, driver or browser: none to use
        return None
    return path if path and os.path.exists(path) else None


def system_chromium() -> str | None:
    for name in SYSTEM_CHROMIUM:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_chromium(playwright=None) -> str | None:
    """ANIMEHUB_CHROMIUM, else Playwright's own download, else the system's Chromium; None
    when there is no Chromium at all."""
    override = os.environ.get("ANIMEHUB_CHROMIUM")
    if override:
        return override if os.path.exists(override) else None
    return playwright_chromium(playwright) or system_chromium()


NO_CERTUTIL = (
    "no certutil: the browser cannot be made to trust the run's CA for the edge's HTTPS "
    "(install it with `scripts/bootstrap.sh --browser` or `apt-get install libnss3-tools`)"
)
CA_NICKNAME = "AnimeHub local CA"


def home_trusting(ca_file: str, home: pathlib.Path) -> pathlib.Path:
    """A HOME for Chromium whose NSS database (`~/.pki/nssdb`, where Chromium on Linux reads
    the trust anchors a user added) trusts `ca_file` to identify web sites. The certificate is
    still checked in full (names, dates, chain): only the anchor is added."""
    certutil = shutil.which("certutil")
    if certutil is None:
        raise FileNotFoundError(NO_CERTUTIL)
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True, exist_ok=True)
    database = f"sql:{nssdb}"
    if not (nssdb / "cert9.db").exists():
        subprocess.run(
            [certutil, "-N", "-d", database, "--empty-password"], check=True, capture_output=True
        )
    subprocess.run(
        [certutil, "-A", "-d", database, "-n", CA_NICKNAME, "-t", "C,,", "-i", ca_file],
        check=True,
        capture_output=True,
    )
    return home


if __name__ == "__main__":
    found = find_chromium()
    if found is None:
        print(no_chromium_line())
        sys.exit(1)
    print(found)
