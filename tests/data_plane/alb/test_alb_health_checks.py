"""Target health states and matchers, as AWS documents them."""

from __future__ import annotations

from harness.data_plane.alb.config import HealthCheckSettings, SuccessCodes
from harness.data_plane.alb.health_checks import CheckResult, TargetHealth, TargetState

SETTINGS = HealthCheckSettings(
    enabled=True,
    path="/api/health",
    port="traffic-port",
    interval=5,
    timeout=2,
    healthy_threshold=3,
    unhealthy_threshold=2,
    success_codes=SuccessCodes.parse("200"),
)
OK = CheckResult(True)
TIMEOUT = CheckResult(False, "Target.Timeout", "Request timed out")


def test_matcher_lists_and_ranges():
    codes = SuccessCodes.parse("200,202-204")

    assert [c in codes for c in (200, 201, 202, 204, 205)] == [True, False, True, True, False]


def test_a_new_target_is_healthy_after_one_passed_check():
    health = TargetHealth()

    health.record(OK, SETTINGS)

    assert (health.state, health.reason) == (TargetState.HEALTHY, None)


def test_unhealthy_after_the_threshold_and_back_after_the_healthy_threshold():
    health = TargetHealth()
    health.record(OK, SETTINGS)
    health.record(TIMEOUT, SETTINGS)
    still_healthy = health.state
    health.record(TIMEOUT, SETTINGS)
    unhealthy = (health.state, health.reason)
    health.record(OK, SETTINGS)
    health.record(OK, SETTINGS)
    not_yet = health.state
    health.record(OK, SETTINGS)

    assert still_healthy is TargetState.HEALTHY
    assert unhealthy == (TargetState.UNHEALTHY, "Target.Timeout")
    assert not_yet is TargetState.UNHEALTHY
    assert health.state is TargetState.HEALTHY


def test_initial_target_that_keeps_failing_becomes_unhealthy():
    health = TargetHealth()
    health.record(TIMEOUT, SETTINGS)
    first = health.state
    health.record(TIMEOUT, SETTINGS)

    assert first is TargetState.INITIAL
    assert health.state is TargetState.UNHEALTHY


def test_draining_ignores_late_checks():
    health = TargetHealth()
    health.drain()
    health.record(OK, SETTINGS)

    assert (health.state, health.reason) == (
        TargetState.DRAINING,
        "Target.DeregistrationInProgress",
    )
