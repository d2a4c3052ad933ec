"""Is an emulator ready? Checks for harness.plumbing.waiting to poll.

A check returns when ready and raises NotReady (or a transient connection error) when not;
CannotServe, or anything else that is not transient, ends the wait at once.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable

from harness.errors import HarnessError
from harness.plumbing.waiting import NotYet, WaitTimedOut, wait_until

READY_STATES = ("available", "running")
FINAL_STATES = ("disabled", "error")


class NotReady(NotYet):
    """Not yet: the thing answers, or will soon, but cannot serve."""


class CannotServe(HarnessError):
    """Ready or not, it will never serve this (a LocalStack service disabled or failed)."""


NeverReady = WaitTimedOut

TRANSIENT: tuple[type[BaseException], ...] = (NotYet, OSError, HarnessError)


def wait_until_ready(
    check: Callable[[], None],
    *,
    what: str,
    timeout: float,
    interval: float = 0.25,
    transient: tuple[type[BaseException], ...] = TRANSIENT,
    logs: Callable[[], str] | None = None,
) -> float:
    """Poll `check` until it passes; return the seconds waited. CannotServe ends it at once."""
    began = time.monotonic()

    def passed() -> bool:
        check()
        return True

    wait_until(
        passed,
        what=what,
        timeout=timeout,
        interval=interval,
        transient=transient,
        logs=logs,
        fatal=(CannotServe,),
    )
    return time.monotonic() - began


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
