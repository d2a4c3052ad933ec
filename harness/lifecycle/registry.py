"""Every stack `harness up` runs for this user, in one directory outside any run directory.

An entry is `<pid>.json` under `$XDG_STATE_HOME/animehub/stacks/` (default
`~/.local/state/animehub/stacks/`): run directory, pid, backend, edge and control URLs, start
time. It outlives a deleted run directory, so `harness ls` still lists that stack and
`harness down --run-dir` still stops it. Entries whose process is gone are dropped on read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.plumbing.processes import same_process, start_ticks

KEPT = ("run_dir", "pid", "backend", "edge_url", "control_url", "started_at")


def registry_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "animehub" / "stacks"


def _entry_path(pid: int) -> Path:
    return registry_dir() / f"{pid}.json"


def register(doc: dict) -> None:
    """Record a running stack from its status document."""
    entry = {key: doc.get(key) for key in KEPT}
    entry["start_ticks"] = start_ticks(entry["pid"])
    path = _entry_path(entry["pid"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entry, sort_keys=True))
    tmp.replace(path)


def unregister(pid: int) -> None:
    _entry_path(pid).unlink(missing_ok=True)


def running_stacks() -> list[dict]:
    """Entries of live stacks, oldest first; entries of dead processes are removed."""
    entries = []
    for path in sorted(registry_dir().glob("*.json")):
        try:
            entry = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        pid = entry.get("pid")
        if not isinstance(pid, int) or not same_process(pid, entry.get("start_ticks")):
            path.unlink(missing_ok=True)
            continue
        entries.append(entry)
    return sorted(entries, key=lambda e: e.get("started_at") or 0)


def find(run_dir: Path) -> dict | None:
    """The live stack registered for this run directory, whether or not it still exists."""
    wanted = str(Path(run_dir).expanduser().resolve())
    return next((e for e in running_stacks() if e.get("run_dir") == wanted), None)
