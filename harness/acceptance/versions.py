"""What an acceptance run tested, so that a tag can cite it: the commit, the package and the
backend, and the versions of the emulator and the tools in between."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("animehub-localstack", "moto", "boto3", "botocore", "playwright", "pytest", "uvicorn")


def _git(repo: Path, *args: str) -> str | None:
    try:
        answer = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return answer.stdout.strip() if answer.returncode == 0 else None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _chromium() -> str | None:
    from harness.testkit.browser import find_chromium

    executable = find_chromium()
    if executable is None:
        return None
    try:
        answer = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return executable
    return answer.stdout.strip() or executable


def tested_versions(repo: Path, backend: str) -> dict[str, str | None]:
    commit = _git(repo, "rev-parse", "HEAD")
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=no")
    return {
        "git commit": f"{commit}{' (with uncommitted changes)' if dirty else ''}"
        if commit
        else None,
        "git describe": _git(repo, "describe", "--tags", "--always", "--dirty"),
        "backend": backend,
        **{package: _version(package) for package in PACKAGES},
        "python": platform.python_version(),
        "chromium": _chromium(),
    }
