"""An emulator in its own process that prints its URL on one line, then serves until its stdin
closes: when the parent stops it, or dies, the child goes too and no stray emulator is left."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from harness.errors import HarnessError


class EmulatorProcess:
    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.env = dict(env or {})
        self.log_path = log_path
        self.url: str | None = None
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> EmulatorProcess:
        self._launch()
        self._await_url(timeout)
        return self

    def _launch(self) -> None:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, **self.env},
                start_new_session=True,  # Ctrl-C reaches the parent, which stops us in order
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()

    def _await_url(self, timeout: float) -> None:
        try:
            self.url = self._read_url(timeout)
        except BaseException:
            self.stop()
            raise

    def _read_url(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            while not selector.select(timeout=0.1):
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise HarnessError(f"{self.name}: the emulator process did not start")
        line = self._process.stdout.readline().decode().strip()
        if not line.startswith("http://"):
            raise HarnessError(f"{self.name}: the emulator process did not report its URL")
        return line

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self) -> None:
        self._reap()

    def _ask_to_stop(self) -> None:
        if self._process is not None and not self._process.stdin.closed:
            self._process.stdin.close()

    def _reap(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if not process.stdin.closed:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@contextmanager
def running_together(*emulators: EmulatorProcess, timeout: float = 120.0) -> Iterator[None]:
    """Starts the emulators at once (each one's start-up overlaps the others') and, at the end,
    asks them all to stop before waiting for any: one start-up and one shut-down, not the sum."""
    try:
        for emulator in emulators:
            emulator._launch()
        for emulator in emulators:
            emulator._await_url(timeout)
        yield
    finally:
        for emulator in emulators:
            emulator._ask_to_stop()
        for emulator in emulators:
            emulator._reap()
