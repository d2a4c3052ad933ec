"""The stack clock: real time plus one offset, held in one file of the run directory.

The file holds a libfaketime offset (`+7200`, seconds), so the same file drives the harness's
own parts (through `StackClock`) and every API task (libfaketime reads it through
FAKETIME_TIMESTAMP_FILE, see `faketime.py`): one `advance` reaches the whole stack at once.

Two readings:
- `now()`: wall time on the stack clock (epoch seconds), what AWS would stamp: it follows the
  offset both ways, as libfaketime does in the tasks.
- `monotonic()`: for intervals (cache ages, drain deadlines, grace periods). It moves forward
  with every advance and never backward: a test that restores the offset must not leave a
  draining target waiting for the 181 days it had skipped. `skip()` moves it alone.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

# In a directory of its own: a task container mounts that directory (a mount of the file would
# keep showing the file a rename replaced), and a run directory may be private to its owner.
CLOCK_FILE = "clock/offset"


def format_offset(seconds: float) -> str:
    return f"{seconds:+.0f}"


def parse_offset(text: str) -> float:
    """What the file holds; an empty or unreadable file is real time."""
    try:
        return float(text.strip() or 0)
    except ValueError:
        return 0.0


class StackClock:
    """Real time until `use(path)`; then real time + the offset in that file, re-read when the
    file changes (a stat per reading: `harness clock advance` runs in another process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._earlier: list[Path] = []  # the clocks of stacks started before, still up
        self._seen: tuple | None = None
        self._offset = 0.0
        self._forward = 0.0  # the sum of every forward step seen: what monotonic() adds

    # where it lives -----------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    def use(self, path: Path) -> None:
        """Follow `path`, starting at real time (a new stack's emulator is new too)."""
        path = Path(path)
        if path.parent.is_file():  # a run directory of an earlier version: `clock` was the file
            path.parent.unlink()
        _write(path, 0.0)
        with self._lock:
            if self._path is not None:
                self._earlier.append(self._path)
            self._switch(path)

    def follow(self, path: Path) -> None:
        """Read the offset in `path` without resetting it: a part of the stack running in a
        process of its own (the edge) follows the clock its stack started."""
        with self._lock:
            self._switch(Path(path))

    def release(self, path: Path) -> None:
        """Back to the clock of the stack started before, still up (a test's second stack in
        the session's process), else to real time."""
        path = Path(path)
        with self._lock:
            if path in self._earlier:
                self._earlier.remove(path)
            elif self._path == path:
                self._switch(self._earlier.pop() if self._earlier else None)

    def _switch(self, path: Path | None) -> None:
        """Follow `path` from the offset it holds now. A switch is not a move of the clock:
        monotonic() neither jumps forward nor goes back, so a wait on it in this process (a
        stack's health checks, while a test in the same process uses a clock of its own)
        neither ends early nor stretches by what the other clock had moved."""
        self._path, self._seen, self._offset = path, None, 0.0
        if path is None:
            return
        try:
            st = os.stat(path)
            offset = parse_offset(path.read_text())
        except OSError:
            return
        self._seen, self._offset = (st.st_ino, st.st_mtime_ns, st.st_size), offset

    # readings -----------------------------------------------------------------------------

    def offset(self) -> float:
        path = self._path
        if path is None:
            return 0.0
        try:
            st = os.stat(path)
        except OSError:
            return self._offset
        seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if seen != self._seen:
                self._seen = seen
                new = parse_offset(path.read_text())
                self._forward += max(0.0, new - self._offset)
                self._offset = new
            return self._offset

    def now(self) -> float:
        return time.time() + self.offset()

    def monotonic(self) -> float:
        self.offset()
        return time.monotonic() + self._forward

    # changes ------------------------------------------------------------------------------

    def set_offset(self, seconds: float) -> float:
        if self._path is None:
            raise RuntimeError("the stack clock follows no run directory")
        _write(self._path, seconds)
        return self.offset()

    def advance(self, seconds: float) -> float:
        return self.set_offset(self.offset() + seconds)

    def skip(self, seconds: float) -> None:
        """Forward `monotonic()` alone, in this process: the intervals the harness's own parts
        count on it (health-check intervals, deregistration delay, stop timeout, grace
        periods, cache ages) pass at once, while wall time, the offset file and so the tasks
        and the emulator stay where they are (nothing to put back afterwards)."""
        if seconds < 0:
            raise ValueError("the stack clock never skips backwards")
        with self._lock:
            self._forward += seconds

    def describe(self) -> dict:
        offset = self.offset()
        return {
            "offset_seconds": offset,
            "now": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset)),
            "file": str(self._path) if self._path else None,
        }


def _write(path: Path, seconds: float) -> None:
    # Replace, not rewrite: readers (and libfaketime) never see a half-written file.
    # Readable by all, whatever the umask: task containers run as another user.
    try:
        path.parent.mkdir(parents=True)
    except FileExistsError:
        pass
    else:
        path.parent.chmod(0o755)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(format_offset(seconds) + "\n")
    tmp.chmod(0o644)
    tmp.replace(path)


def read_offset_file(path: Path) -> float:
    try:
        return parse_offset(Path(path).read_text())
    except OSError:
        return 0.0


def write_offset_file(path: Path, seconds: float) -> None:
    _write(Path(path), seconds)
