"""Health checks stepped on the stack clock. The ALB checks each target every
HealthCheckIntervalSeconds of the stack clock (alb/target_loop.py), so a test waiting for a
verdict moves the clock one interval forward after each round of checks instead of waiting the
interval out in real time. Each check is still made, times out and counts towards the
thresholds as the ALB's own: only the idle wait between two checks is skipped.

    checked_until(stack.alb, (host, port), lambda t: t["state"] == "unhealthy",
                  advance=data_plane_clock.advance, timeout=60)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from harness.plumbing.waiting import NotYet, wait_until

T = TypeVar("T")


def checked_while(
    alb,
    condition: Callable[[], T],
    *,
    advance: Callable[[float], object],
    timeout: float,
    what: str,
    interval: float = 0.05,
) -> T:
    """`wait_until(condition)`, advancing the clock by the target group's health-check
    interval each time a target of `alb` has been checked since the last advance."""
    seen: dict[tuple[str, int], int] = {}

    def step() -> T:
        outcome = condition()
        if outcome:
            return outcome
        checks = {(t["id"], t["port"]): t["checks"] for t in alb.targets()}
        if any(seen.get(address) != count for address, count in checks.items()):
            seen.clear()
            seen.update(checks)
            advance(alb.health()["health_check"]["interval"])
        raise NotYet(f"{what}: not yet after {sum(checks.values())} checks")

    return wait_until(step, what=what, timeout=timeout, interval=interval)


def checked_until(
    alb,
    address: tuple[str, int],
    wanted: Callable[[dict | None], bool],
    *,
    advance: Callable[[float], object],
    timeout: float,
    what: str | None = None,
) -> dict | None:
    """Until `wanted(target)` holds for the target at `address` (ip, port) as `alb.targets()`
    describes it (None once it is gone); the target as last described."""
    ip, port = address
    last: list = [None]

    def reached() -> bool:
        last[0] = next((t for t in alb.targets() if (t["id"], t["port"]) == (ip, port)), None)
        return wanted(last[0])

    what = what or f"the ALB's verdict on {ip}:{port}"
    checked_while(alb, reached, advance=advance, timeout=timeout, what=what)
    return last[0]
