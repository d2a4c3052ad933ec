"""Is a process alive, and is it still the one we knew (not a reused pid)?"""

from __future__ import annotations

import os


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The command name (field 2) may hold spaces; the fields after ") " do not.
            return stat.read().rpartition(") ")[2].split()
    except OSError:
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A detached stack's parent is gone, so it lingers as a zombie until init reaps it.
    fields = _stat_fields(pid)
    return fields is None or fields[0] != "Z"


def start_ticks(pid: int) -> int | None:
    """When the process started (clock ticks since boot), or None without /proc."""
    fields = _stat_fields(pid)
    # starttime is field 22 of /proc/<pid>/stat; fields[0] here is field 3 (state).
    return int(fields[19]) if fields and len(fields) > 19 else None


def same_process(pid: int, ticks: int | None) -> bool:
    """Alive and started when recorded: a pid the kernel gave to another process is not ours."""
    return pid_alive(pid) and (ticks is None or start_ticks(pid) == ticks)
