#!/usr/bin/env bash
# Makes sure a Chromium is there for the browser scenarios: Playwright's own, a system one on
# the PATH, or ANIMEHUB_CHROMIUM; as root on Debian it installs Debian's Chromium, and certutil
# (libnss3-tools), which puts the run's CA into the browser's NSS database for the edge's HTTPS. Exits
# non-zero, with one line naming what is missing, when none can be found or installed: the
# scenarios are not run without a browser.
#   PYTHON=/path/to/python scripts/install-browser.sh   (default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-.venv/bin/python}
say() { printf 'install-browser: %s\n' "$*" >&2; }
found() { "$python" -m harness.testkit.browser >/dev/null 2>&1 && command -v certutil >/dev/null; }

found && exit 0
if [[ -n "${ANIMEHUB_CHROMIUM:-}" ]]; then
    say "ANIMEHUB_CHROMIUM=$ANIMEHUB_CHROMIUM does not exist"
    exit 1
fi
if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    say "installing Debian's Chromium and certutil for the browser scenarios"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libnss3-tools; } >/tmp/animehub-chromium-install.log 2>&1; then
        say "could not install Chromium and certutil (see /tmp/animehub-chromium-install.log)"
    fi
fi
found && exit 0
command -v certutil >/dev/null || say "no certutil: install it with 'apt-get install libnss3-tools' (as root)"
say "no Chromium or certutil found and none could be installed: 'apt-get install chromium libnss3-tools' (as root), or set ANIMEHUB_CHROMIUM"
exit 1
