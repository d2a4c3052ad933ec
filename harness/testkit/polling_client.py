"""A client that keeps calling one path (through the ALB or the edge) and keeps every outcome:
the proof that a deployment or a failure cost no request, or how many it cost."""

from __future__ import annotations

import threading
import time

import httpx

from harness.plumbing.waiting import wait_until


class Poller:
    """A client that keeps calling /api/health through the ALB and keeps every outcome."""

    def __init__(self, url: str, path: str = "/api/health") -> None:
        self.url, self.path = url, path
        self.outcomes: list[tuple[float, int, str | None, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, trust_env=False, timeout=5) as client:
            while not self._stop.is_set():
                try:
                    response = client.get(self.path)
                    body = response.json() if response.status_code == 200 else {}
                    self.outcomes.append(
                        (
                            time.monotonic(),
                            response.status_code,
                            response.headers.get("X-AnimeHub-Task"),
                            body.get("version"),
                        )
                    )
                except httpx.HTTPError as exc:
                    self.outcomes.append((time.monotonic(), 0, None, repr(exc)))
                time.sleep(0.02)

    def wait_for_outcomes(self, count: int, timeout: float = 60) -> None:
        """Until `count` more requests have come back (the poller has seen the state)."""
        target = len(self.outcomes) + count
        wait_until(
            lambda: len(self.outcomes) >= target, what=f"{count} more answers", timeout=timeout
        )

    @property
    def failures(self):
        return [o for o in self.outcomes if o[1] != 200]
