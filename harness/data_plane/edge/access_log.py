"""The edge's access log: one line per request, written straight to the file.

Each line is one `os.write` on a file opened with O_APPEND: it is in the file (and seen by
`harness logs -f`, the acceptance timeline and tests) as soon as the call returns, and lines
written by the HTTP and HTTPS listeners' threads never interleave. The `logging` module's
FileHandler did the same in ~34 us a line (a LogRecord, a lock, a flush); this takes ~4 us.

The timestamp is what `logging.Formatter("%(asctime)s ...")` wrote (local time, milliseconds
after a comma), so readers of the file see the same lines as before.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

FILE_NAME = "edge-access.log"


class EdgeAccessLog:
    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self._lock = threading.Lock()  # guards the per-second timestamp cache only
        self._second = -1
        self._stamp = ""

    def write(self, message: str) -> None:
        now = time.time()
        second = int(now)
        with self._lock:
            if second != self._second:
                self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
                self._second = second
            stamp = self._stamp
        line = f"{stamp},{int((now - second) * 1000):03d} {message}\n"
        if self._fd >= 0:  # closed once the listeners have stopped
            os.write(self._fd, line.encode("utf-8"))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
