"""The API's Python packages as wheels built on the host, so the image installs them with
`pip install --no-index`: offline inside the build, and the same files every time.

Kept per machine, keyed by the requirements and the Python that built them; the image's Python
(3.11 in both bases) must match the host's for packages with compiled parts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.errors import HarnessError

COMPLETE = ".complete"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "animehub" / "wheels"


def python_tag() -> str:
    return f"cp{sys.version_info.major}{sys.version_info.minor}"


def build_wheels(requirements: Path, root: Path | None = None) -> Path:
    """A directory holding a wheel for every requirement and a copy of `requirements`."""
    return wheels_for(requirements.read_text(encoding="utf-8"), root)


def wheels_for(text: str, root: Path | None = None) -> Path:
    """The same, for requirements given as text (one a line)."""
    key = hashlib.sha256(f"{python_tag()}\n{text}".encode()).hexdigest()[:16]
    target = (root or cache_root()) / f"{python_tag()}-{key}"
    if (target / COMPLETE).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="wheels-", dir=target.parent))
    requirements = scratch / "requirements.txt"
    requirements.write_text(text, encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"]
            + ["--wheel-dir", str(scratch), "--requirement", str(requirements)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            first = text.strip().splitlines()[0] if text.strip() else "(nothing)"
            raise HarnessError(f"pip wheel of {first} ... failed:\n{tail}")
        (scratch / COMPLETE).touch()
        shutil.rmtree(target, ignore_errors=True)
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target
