"""The harness's one way to wait: poll a condition until it holds or time runs out.

A condition returns something truthy when what we wait for has happened and something falsy
(or raises one of `transient`) when not yet; any other exception is a real failure and ends
the wait at once. A time-out names what was awaited, the last transient error, and keeps the
tail of the logs it was given (logged as a warning, and on the error as `log_tail`), so a
hang reads as "X not ready after Ns" with the evidence next to it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from harness.errors import HarnessError

log = logging.getLogger("harness.plumbing.waiting")

T = TypeVar("T")
TAIL_LINES = 20


class NotYet(Exception):
    """Raised by a condition that wants to say why it does not hold yet."""


class WaitTimedOut(HarnessError, TimeoutError):
    """The wait ran out of time; `what` names it, `log_tail` holds the last log lines if known."""

    def __init__(self, message: str, *, what: str = "", log_tail: str = "") -> None:
        super().__init__(message)
        self.what = what
        self.log_tail = log_tail


def wait_until(
    condition: Callable[[], T],
    *,
    what: str,
    timeout: float,
    interval: float = 0.05,
    transient: tuple[type[BaseException], ...] = (NotYet,),
    logs: Callable[[], str] | None = None,
    fatal: tuple[type[BaseException], ...] = (),
) -> T:
    """Poll `condition` until it returns something truthy, and return that."""
    began = time.monotonic()
    last: BaseException | None = None
    while True:
        try:
            outcome = condition()
            if outcome:
                return outcome
        except fatal:
            raise
        except transient as exc:
            last = exc
        waited = time.monotonic() - began
        if waited >= timeout:
            raise _timed_out(what, timeout, last, logs) from None
        time.sleep(min(interval, max(timeout - waited, 0)))


def _timed_out(
    what: str, timeout: float, last: BaseException | None, logs: Callable[[], str] | None
) -> WaitTimedOut:
    reason = f" ({last})" if last is not None and str(last) else ""
    tail = log_tail(logs)
    if tail:
        log.warning("%s: last log lines:\n%s", what, tail)
    return WaitTimedOut(f"{what}: not ready after {timeout:.0f}s{reason}", what=what, log_tail=tail)


def log_tail(logs: Callable[[], str] | None, lines: int = TAIL_LINES) -> str:
    if logs is None:
        return ""
    try:
        return "\n".join(logs().splitlines()[-lines:])
    except Exception as exc:  # noqa: BLE001 - the logs only decorate the real error
        return f"(logs unavailable: {exc})"
