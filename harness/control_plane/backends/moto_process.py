"""A moto server in its own process, for topologies of several emulators (moto keeps its state
per process, so two emulators that must not share state need two processes).

The child prints its URL on one line, then serves until its stdin closes: when the parent stops
it, or dies, the child goes too and no stray emulator is left behind.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

from harness.errors import HarnessError
from harness.plumbing.servers import LOOPBACK


class MotoProcess:
    def __init__(self, name: str, log_path: Path | None = None) -> None:
        self.name = name
        self.log_path = log_path
        self.url: str | None = None
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> MotoProcess:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "harness.control_plane.backends.moto_process"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"},
                start_new_session=True,  # Ctrl-C reaches the parent, which stops us in order
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        try:
            self.url = self._read_url(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _read_url(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            while not selector.select(timeout=0.1):
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise HarnessError(f"{self.name}: the moto process did not start")
        line = self._process.stdout.readline().decode().strip()
        if not line.startswith("http://"):
            raise HarnessError(f"{self.name}: the moto process did not report its URL")
        return line

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    def __enter__(self) -> MotoProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _serve() -> None:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    sys.stdout.write(f"http://{host}:{port}\n")
    sys.stdout.flush()
    sys.stdin.buffer.read()  # returns at EOF: the parent stopped us or died
    # Exiting ends the server's daemon thread at once; server.stop() would add half a second.


if __name__ == "__main__":
    _serve()
