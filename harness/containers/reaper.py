"""Removes a run's containers once the harness that started them is gone, however it went.

The harness starts `python -m harness.containers.reaper LABEL=VALUE` with a pipe on its stdin
and never writes to it. The pipe closes when the harness exits, normally, by Ctrl-C or killed
with SIGKILL; then this process removes every container carrying the label, and exits. It does
the job testcontainers' reaper image (Ryuk) does, without an image to pull.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys


class Reaper:
    """The harness's side: start it with the label; `close()` (or dying) triggers the sweep."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._process: subprocess.Popen | None = None

    def start(self) -> Reaper:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "harness.containers.reaper", self.label],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal must not kill it before it sweeps
        )
        return self

    def close(self, timeout: float = 60) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def remove_labelled(label: str) -> int:
    """Force-removes every container with `label` (KEY=VALUE); returns how many."""
    from harness.containers.engine import connect

    client = connect(timeout=60)
    try:
        # sparse: no inspect per container, which races with containers being removed
        containers = client.containers.list(all=True, sparse=True, filters={"label": label})
        for container in containers:
            with contextlib.suppress(Exception):  # gone already
                container.remove(force=True)
        return len(containers)
    finally:
        client.close()


def main(argv: list[str]) -> int:
    if len(argv) != 1 or "=" not in argv[0]:
        print("usage: python -m harness.containers.reaper LABEL=VALUE", file=sys.stderr)
        return 2
    sys.stdin.buffer.read()  # returns at EOF: the harness has gone
    remove_labelled(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
