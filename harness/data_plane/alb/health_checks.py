"""Target health as an ALB keeps it: the states, reason codes and thresholds AWS documents."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import httpx

from harness.data_plane.alb.config import HealthCheckSettings, TargetAddress

USER_AGENT = "ELB-HealthChecker/2.0"


class TargetState(StrEnum):
    INITIAL = "initial"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    DRAINING = "draining"
    UNAVAILABLE = "unavailable"  # health checks disabled


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    reason: str | None = None
    description: str | None = None


async def probe(
    client: httpx.AsyncClient, target: TargetAddress, settings: HealthCheckSettings
) -> CheckResult:
    """One health check request, judged by the target group's path, timeout and matcher."""
    url = f"http://{target.ip}:{settings.port_for(target)}{settings.path}"
    try:
        response = await client.get(
            url, timeout=settings.timeout, headers={"User-Agent": USER_AGENT}
        )
    except httpx.TimeoutException:
        return CheckResult(False, "Target.Timeout", "Request timed out")
    except httpx.HTTPError:
        return CheckResult(False, "Target.FailedHealthChecks", "Health checks failed")
    if response.status_code in settings.success_codes:
        return CheckResult(True)
    return CheckResult(
        False,
        "Target.ResponseCodeMismatch",
        f"Health checks failed with these codes: [{response.status_code}]",
    )


@dataclass
class TargetHealth:
    """A newly registered target must pass one health check to become healthy (AWS ALB docs);
    afterwards HealthyThresholdCount consecutive successes bring an unhealthy target back and
    UnhealthyThresholdCount consecutive failures take a healthy (or initial) one out."""

    state: TargetState = TargetState.INITIAL
    reason: str | None = "Elb.InitialHealthChecking"
    description: str | None = "Initial health checks in progress"
    successes: int = 0
    failures: int = 0
    checks: int = 0

    def record(self, result: CheckResult, settings: HealthCheckSettings) -> None:
        if self.state is TargetState.DRAINING:
            return
        self.checks += 1
        if result.ok:
            self.failures = 0
            self.successes += 1
            if self.state is TargetState.INITIAL or (
                self.state is TargetState.UNHEALTHY and self.successes >= settings.healthy_threshold
            ):
                self._set(TargetState.HEALTHY, None, None)
            return
        self.successes = 0
        self.failures += 1
        if self.state is TargetState.UNHEALTHY or self.failures >= settings.unhealthy_threshold:
            self._set(TargetState.UNHEALTHY, result.reason, result.description)

    def drain(self) -> None:
        self._set(
            TargetState.DRAINING,
            "Target.DeregistrationInProgress",
            "Target deregistration is in progress",
        )

    def disable(self) -> None:
        self._set(
            TargetState.UNAVAILABLE, "Target.HealthCheckDisabled", "Health checks are disabled"
        )

    def _set(self, state: TargetState, reason: str | None, description: str | None) -> None:
        self.state, self.reason, self.description = state, reason, description
