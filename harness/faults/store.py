"""The active faults of one stack: a JSON file in its run directory, written by whoever adds a
fault (a test's fixture, `harness fault`) and read by every part on each request (a stat, and a
read only when the file changed)."""

from __future__ import annotations

import json
import os
import random
import threading
from pathlib import Path

from harness.faults.rules import Fault

FILE_NAME = "faults.json"


class FaultStore:
    def __init__(self, run_dir: Path | str) -> None:
        self.path = Path(run_dir) / FILE_NAME
        self._file = str(self.path)
        self._lock = threading.Lock()
        self._stamp: int | None = None
        self._faults: list[Fault] = []
        self._counts: dict[str, int] = {}
        self._injected: dict[str, int] = {}
        self._random = random.Random()

    # -- writing (fixture, CLI) ---------------------------------------------------------------

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            faults = [f for f in self._read() if f.id != fault.id] + [fault]
            self._write(faults)
        return fault

    def clear(self, fault_id: str | None = None) -> list[Fault]:
        """Removes one fault (or all); returns those removed."""
        with self._lock:
            faults = self._read()
            gone = [f for f in faults if fault_id is None or f.id == fault_id]
            self._write([f for f in faults if f not in gone])
        return gone

    def list(self) -> list[Fault]:
        with self._lock:
            return self._read()

    # -- reading (the parts, per request) ---------------------------------------------------

    def pick(self, hop: str, **where: str | None) -> Fault | None:
        """The first active fault for this request on `hop`, after its share is applied."""
        if self._stamp is None and not os.access(self._file, os.F_OK):
            # No file, and none before: the common case, on every request of every hop.
            # os.access answers it without the lock and the FileNotFoundError of a stat.
            return None
        with self._lock:
            faults = self._current()
            for fault in faults:
                if fault.hop != hop or not _matches(fault, where):
                    continue
                count = self._counts.get(fault.id, 0) + 1
                self._counts[fault.id] = count
                # Every Nth from the first: 1st, N+1th, ... (the first call always meets it).
                hit = (
                    (count - 1) % fault.every_nth == 0
                    if fault.every_nth
                    else self._random.random() < fault.probability
                )
                if hit:
                    self._injected[fault.id] = self._injected.get(fault.id, 0) + 1
                    return fault
        return None

    def injected(self, fault_id: str) -> int:
        """How often this store's readers met the fault (the parts of the stack in this
        process read through one store)."""
        with self._lock:
            return self._injected.get(fault_id, 0)

    def _current(self) -> list[Fault]:
        try:
            stamp = os.stat(self._file).st_mtime_ns
        except FileNotFoundError:
            self._stamp, self._faults = None, []
            return []
        if stamp != self._stamp:
            self._faults, self._stamp = self._read(), stamp
        return self._faults

    def _read(self) -> list[Fault]:
        try:
            return [Fault.from_json(d) for d in json.loads(self.path.read_text())]
        except (FileNotFoundError, ValueError):
            return []

    def _write(self, faults: list[Fault]) -> None:
        if not faults:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps([f.to_json() for f in faults], indent=1))
        os.replace(temporary, self.path)


def _matches(fault: Fault, where: dict) -> bool:
    if fault.path and not (where.get("path") or "").startswith(fault.path):
        return False
    for name in ("target", "service", "operation"):
        wanted = getattr(fault, name)
        if wanted and where.get(name) != wanted:
            return False
    return True
