"""A run directory: logs, the state file of a detached stack, and the lock that keeps two
stacks out of one directory."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from harness.errors import ConfigError, HarnessError

STATE_FILE = "state.json"
LOCK_FILE = "stack.lock"


def already_running(path: Path, pid: object) -> HarnessError:
    """The one message for a second stack in a run directory, whichever command meets it."""
    return HarnessError(
        f"a stack is already running in {path} (pid {pid}); "
        "use another --run-dir or stop it with `harness down`"
    )


class RunDir:
    def __init__(self, path: Path, setting: str = "--run-dir") -> None:
        self.path = Path(path).expanduser().resolve()
        self.setting = setting  # what the user typed, named in errors
        self._lock_fd: int | None = None

    @property
    def logs(self) -> Path:
        return self.path / "logs"

    @property
    def state_path(self) -> Path:
        return self.path / STATE_FILE

    def prepare(self) -> RunDir:
        """Create it (and logs/) or fail with one line naming the setting."""
        try:
            self.logs.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".writable"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                self.setting, f"{self.path} is not writable ({exc.strerror})"
            ) from None
        return self

    def lock(self) -> None:
        """Hold the directory for this process; a second stack here is refused."""
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.read_state() or {}
            raise already_running(self.path, holder.get("pid", "unknown")) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def is_locked(self) -> bool:
        try:
            fd = os.open(self.path / LOCK_FILE, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def write_state(self, state: dict) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
        tmp.replace(self.state_path)

    def read_state(self) -> dict | None:
        try:
            return json.loads(self.state_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def running_state(self) -> dict:
        """The state of the stack running here, or a HarnessError saying none is."""
        state = self.read_state()
        if not state or not self.is_locked():
            raise HarnessError(
                f"no stack is running in {self.path}; start one with `harness up --detach`"
            )
        return state

    def clear_state(self) -> None:
        self.state_path.unlink(missing_ok=True)
