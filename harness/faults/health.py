"""A task's failing health check, as the ALB's checker sees it (hop `health-check`, target
"ip:port" or every target): a status the matcher refuses, or no answer in time."""

from __future__ import annotations

from harness.data_plane.alb.health_checks import CheckResult
from harness.faults.store import FaultStore


async def injected_check(faults: FaultStore | None, target: str) -> CheckResult | None:
    fault = faults.pick("health-check", target=target) if faults else None
    if fault is None:
        return None
    if fault.kind == "timeout":
        return CheckResult(False, "Target.Timeout", "Request timed out")
    return CheckResult(
        False,
        "Target.ResponseCodeMismatch",
        f"Health checks failed with these codes: [{fault.status}]",
    )
