"""The stack clock in another process, without clock code in it: Debian's libfaketime
(package `libfaketime`, installed by scripts/bootstrap.sh) preloaded, reading the run
directory's clock file. It re-reads the file once the whole seconds since its last reading
exceed FAKETIME_CACHE_DURATION: with 0, at each new second, so an advance reaches every running
task within a second (with 1, every other second: 1.0 s late on average, up to 2 s, measured
here), for one small file read a second per task.

Monotonic time is faked too (libfaketime's default): with FAKETIME_DONT_FAKE_MONOTONIC,
libfaketime 0.9.10 makes Python's time.sleep fail with EINVAL, and botocore sleeps between
retries."""

from __future__ import annotations

import glob
import os
from pathlib import Path

CACHE_SECONDS = 0
FOLLOWS_WITHIN_SECONDS = 1
SEARCHED = (
    "/usr/lib/*-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
    "/opt/homebrew/lib/faketime/libfaketime.1.dylib",
)


def find_library() -> str | None:
    """libfaketime's path (ANIMEHUB_LIBFAKETIME wins), or None."""
    given = os.environ.get("ANIMEHUB_LIBFAKETIME")
    if given:
        return given if Path(given).is_file() else None
    for pattern in SEARCHED:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def environment(clock_file: Path, library: str | None = None) -> dict[str, str]:
    """Variables that put a child process on the stack clock; {} without libfaketime."""
    library = library or find_library()
    if library is None:
        return {}
    return {
        "LD_PRELOAD": library,
        "FAKETIME_TIMESTAMP_FILE": str(clock_file),
        "FAKETIME_CACHE_DURATION": str(CACHE_SECONDS),
    }
