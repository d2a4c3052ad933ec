"""Waiting for an emulator to be ready: a check polled until it passes or time runs out.

A check returns when ready and raises NotReady (or a transient connection error) when not;
anything else is a real failure and ends the wait at once.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable

from harness.errors import HarnessError

log = logging.getLogger("harness.control_plane.backends.readiness")

READY_STATES = ("available", "running")
FINAL_STATES = ("disabled", "error")


class NotReady(Exception):
    """Not yet: the thing answers, or will soon, but cannot serve."""


class CannotServe(HarnessError):
    """Ready or not, it will never serve this (a LocalStack service disabled or failed)."""


class NeverReady(HarnessError):
    """The wait timed out; `log_tail` holds the last lines the thing wrote, when known."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


TRANSIENT: tuple[type[BaseException], ...] = (NotReady, OSError, HarnessError)


def wait_until_ready(
    check: Callable[[], None],
    *,
    what: str,
    timeout: float,
    interval: float = 0.25,
    transient: tuple[type[BaseException], ...] = TRANSIENT,
    logs: Callable[[], str] | None = None,
) -> float:
    """Poll `check` until it passes; return the seconds waited."""
    began = time.monotonic()
    while True:
        try:
            check()
            return time.monotonic() - began
        except CannotServe:
            raise
        except transient as exc:
            last = exc
        waited = time.monotonic() - began
        if waited >= timeout:
            tail = _tail(logs)
            if tail:
                log.warning("%s: last log lines:\n%s", what, tail)
            raise NeverReady(f"{what}: not ready after {timeout:.0f}s ({last})", tail) from None
        time.sleep(min(interval, max(timeout - waited, 0)))


def _tail(logs: Callable[[], str] | None, lines: int = 20) -> str:
    if logs is None:
        return ""
    try:
        return "\n".join(logs().splitlines()[-lines:])
    except Exception as exc:  # noqa: BLE001 - the logs only decorate the real error
        return f"(logs unavailable: {exc})"


def localstack_health(url: str, services: Iterable[str]) -> Callable[[], None]:
    """LocalStack is ready when /_localstack/health lists each service as available or running."""
    wanted = tuple(services)

    def check() -> None:
        try:
            with urllib.request.urlopen(f"{url}/_localstack/health", timeout=2) as answer:
                document = json.load(answer)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise NotReady(f"health answered HTTP {exc.code}") from None
        except ValueError:
            raise NotReady("health answered something that is not JSON") from None
        states = document.get("services", {}) if isinstance(document, dict) else {}
        broken = [f"{s} is {states[s]}" for s in wanted if states.get(s) in FINAL_STATES]
        if broken:
            raise CannotServe(f"LocalStack at {url}: {', '.join(broken)}")
        waiting = [
            f"{s} is {states.get(s, 'absent')}" for s in wanted if states.get(s) not in READY_STATES
        ]
        if waiting:
            raise NotReady(", ".join(waiting))

    return check


def answers_aws(url: str, service: str, region: str) -> Callable[[], None]:
    """Ready when one cheap call answers (DynamoDB Local has no health endpoint)."""
    from harness.control_plane.backends.probe import probe
    from harness.control_plane.endpoints import EndpointMap

    endpoints = EndpointMap(default=url, region=region)
    return lambda: probe(endpoints, service)
