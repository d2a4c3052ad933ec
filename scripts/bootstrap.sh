#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: .venv with the Python packages and,
# when asked (--browser), a Chromium for the browser scenarios (scripts/install-browser.sh;
# exits non-zero when none can be had). Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=false
[[ "${1:-}" == "--browser" ]] && want_browser=true

say() { printf 'bootstrap: %s\n' "$*" >&2; }

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "needs Python 3.11 or newer as '$python' (set PYTHON=/path/to/python3.11)"
    exit 1
fi

stamp=.venv/.installed
fingerprint=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [[ ! -x .venv/bin/python ]]; then
    say "creating .venv"
    "$python" -m venv .venv
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]]; then
    say "installing the Python packages into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,containers,dev]"
    echo "$fingerprint" > "$stamp"
fi

# Emulators that are not moto, from npm: dynalite serves DynamoDB in the endpoint backend's CI
# pass; cognito-local (Cognito with its own issuer) serves scenarios/test_cognito_own_issuer.py.
if [[ ! -f emulators/node_modules/dynalite/package.json \
      || ! -f emulators/node_modules/cognito-local/package.json ]]; then
    if command -v npm >/dev/null; then
        say "installing dynalite and cognito-local (emulators/) from the npm registry"
        npm ci --prefix emulators --no-audit --no-fund --loglevel=error >&2
    else
        say "no npm found: the endpoint backend's pass and the own-issuer scenario need node and npm (apt-get install nodejs npm)"
    fi
fi

# libfaketime puts the API tasks on the stack clock (harness/clock/faketime.py).
if ! .venv/bin/python -c 'from harness.clock.faketime import find_library as f; raise SystemExit(f() is None)' 2>/dev/null; then
    if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
        say "installing Debian's libfaketime for the stack clock"
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime; } >/tmp/animehub-faketime-install.log 2>&1; then
            say "could not install libfaketime (see /tmp/animehub-faketime-install.log)"
        fi
    else
        say "no libfaketime: API tasks will not follow \`harness clock advance\`; install libfaketime (Debian/Ubuntu) or faketime (Homebrew)"
    fi
fi

if $want_browser; then
    exec scripts/install-browser.sh
fi
