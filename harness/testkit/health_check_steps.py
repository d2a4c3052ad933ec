"""Health checks stepped on the stack clock. The ALB checks each target every
HealthCheckIntervalSeconds of the stack clock (alb/target_loop.py), so a test waiting for a
verdict moves the clock one interval forward after each check instead of waiting the interval
out in real time. Each check is still made, times out and counts towards the thresholds as the
ALB's own: only the idle wait between two checks is skipped.

    checked_until(stack.alb, (host, port), lambda t: t["state"] == "unhealthy",
                  advance=lambda s: clock.advance(s, tasks_follow=False), timeout=60)
"""

from __future__ import annotations

from collections.abc import Callable

from harness.plumbing.waiting import NotYet, wait_until


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
    describes it (None once it is gone), advancing the clock by the target group's interval
    each time a check of that target is seen; the target as last described."""
    ip, port = address
    seen: list = [None]
    last: list = [None]

    def reached() -> bool:
        target = next((t for t in alb.targets() if (t["id"], t["port"]) == (ip, port)), None)
        last[0] = target
        if wanted(target):
            return True
        if target is not None and target["checks"] != seen[0]:
            seen[0] = target["checks"]
            advance(alb.health()["health_check"]["interval"])
        state = target["state"] if target else "gone"
        raise NotYet(f"target {ip}:{port} {state} after {seen[0]} checks")

    wait_until(reached, what=what or f"the ALB's verdict on {ip}:{port}", timeout=timeout)
    return last[0]
