"""Health checks run every HealthCheckIntervalSeconds of the stack clock: with the longest
interval AWS allows (300 s) [target-group-health-checks: interval 5-300 s], advancing the clock
brings the next check without waiting five real minutes."""

from __future__ import annotations

from harness.data_plane.alb import LoadBalancer
from harness.plumbing.waiting import NotYet, wait_until

PATIENCE = 60  # well under the 300 s interval: only an advance can bring the next check


def checks(alb: LoadBalancer) -> int:
    (target,) = alb.targets()
    return target["checks"]


def test_the_next_check_comes_when_the_clock_passes_the_interval(
    stack_clock, endpoints, make_target_group, elbv2, target_server
):
    arn = make_target_group(HealthCheckIntervalSeconds=300)
    server = target_server("slow-checks")
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": server.host, "Port": server.port}])
    with LoadBalancer(endpoints, arn) as alb:
        wait_until(lambda: alb.healthy_count() == 1, what="the first check", timeout=PATIENCE)
        first = checks(alb)

        stack_clock.advance(300)

        def checked_again() -> int:
            if checks(alb) <= first:
                raise NotYet(f"{checks(alb)} checks")
            return checks(alb)

        assert wait_until(checked_again, what="a check after the advance", timeout=PATIENCE) == (
            first + 1
        )
