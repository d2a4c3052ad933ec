"""The ALB data plane against moto's elbv2: routing, errors, forwarded headers, health checks."""

from __future__ import annotations

import re
import threading

import httpx
import pytest

from harness.data_plane.alb import LoadBalancer
from harness.plumbing.waiting import wait_until
from harness.testkit.health_check_steps import checked_until

# Generous: a wait here only catches a hang (a loaded 2-core machine is slow, not broken).
PATIENCE = 60


@pytest.fixture
def balancer(endpoints):
    started = []

    def start(target_group_arn: str, **kwargs) -> LoadBalancer:
        alb = LoadBalancer(endpoints, target_group_arn, **kwargs).start()
        started.append(alb)
        return alb

    yield start
    for alb in started:
        alb.stop()


def until_unhealthy(alb: LoadBalancer, target, stack_clock) -> dict:
    """initial -> unhealthy takes UnhealthyThresholdCount (2) failed checks, one interval of the
    stack clock apart: the clock is advanced by the interval after each check."""
    return checked_until(
        alb,
        (target.host, target.port),
        lambda t: t is not None and t["state"] == "unhealthy",
        advance=stack_clock.advance,
        timeout=PATIENCE,
    )


def register(elbv2, arn, *servers) -> None:
    elbv2.register_targets(
        TargetGroupArn=arn, Targets=[{"Id": s.host, "Port": s.port} for s in servers]
    )


def test_round_robin_over_two_healthy_targets(make_target_group, elbv2, target_server, balancer):
    arn = make_target_group()
    register(elbv2, arn, target_server("a"), target_server("b"))
    alb = balancer(arn)
    wait_until(lambda: alb.healthy_count() == 2, what="two healthy targets", timeout=PATIENCE)

    with httpx.Client(base_url=alb.url, trust_env=False) as client:
        tasks = [client.get("/api/health").headers["X-AnimeHub-Task"] for _ in range(6)]

    assert sorted(set(tasks)) == ["a", "b"]
    assert all(tasks[i] != tasks[i + 1] for i in range(5))


def test_503_with_no_target_and_while_the_only_one_is_initial(
    make_target_group, elbv2, balancer, unused_address
):
    """[load-balancer-troubleshooting] 503: no registered targets; [target-group-health-checks]
    requests go to healthy targets only, so a group whose one target is still `initial` has
    none to serve."""
    arn = make_target_group(HealthCheckIntervalSeconds=300)  # stays initial
    alb = balancer(arn)
    assert httpx.get(alb.url + "/api/health", trust_env=False).status_code == 503

    elbv2.register_targets(TargetGroupArn=arn, Targets=[unused_address])
    alb.refresh_targets()
    response = httpx.get(alb.url + "/api/health", trust_env=False)

    assert alb.targets()[0]["state"] == "initial"
    assert response.status_code == 503
    assert "503 Service Temporarily Unavailable" in response.text


def test_fail_open_when_every_target_is_unhealthy(
    make_target_group, elbv2, target_server, balancer, stack_clock
):
    """[target-group-health-checks] "If a target group contains only unhealthy registered
    targets, the load balancer routes requests to all those targets, regardless of their
    health status." """
    arn = make_target_group(HealthCheckPath="/api/healthz")  # 404: both fail their checks
    a, b = target_server("a"), target_server("b")
    register(elbv2, arn, a, b)
    alb = balancer(arn)
    until_unhealthy(alb, a, stack_clock)
    until_unhealthy(alb, b, stack_clock)
    assert [t["state"] for t in alb.targets()] == ["unhealthy", "unhealthy"]

    with httpx.Client(base_url=alb.url, trust_env=False) as client:
        answers = [client.get("/api/health") for _ in range(4)]

    assert [a.status_code for a in answers] == [200] * 4
    assert {a.headers["X-AnimeHub-Task"] for a in answers} == {"a", "b"}


def test_no_fail_open_while_one_target_is_still_initial(
    make_target_group, elbv2, target_server, balancer, unused_address, stack_clock
):
    arn = make_target_group(HealthCheckPath="/api/healthz")
    sick = target_server("sick")
    register(elbv2, arn, sick)
    alb = balancer(arn)
    until_unhealthy(alb, sick, stack_clock)
    elbv2.modify_target_group(TargetGroupArn=arn, HealthCheckIntervalSeconds=300)
    alb.refresh_targets()
    elbv2.register_targets(TargetGroupArn=arn, Targets=[unused_address])
    alb.refresh_targets()

    response = httpx.get(alb.url + "/api/health", trust_env=False)

    assert sorted(t["state"] for t in alb.targets()) == ["initial", "unhealthy"]
    assert response.status_code == 503


def test_502_when_the_target_refuses_or_resets(
    make_target_group, elbv2, target_server, resetting_server, balancer
):
    refusing = target_server("gone")
    arn = make_target_group()
    register(elbv2, arn, refusing)
    alb = balancer(arn)
    wait_until(lambda: alb.healthy_count() == 1, what="target healthy", timeout=PATIENCE)
    refusing.stop()

    refused = httpx.get(alb.url + "/api/health", trust_env=False)

    reset_arn = make_target_group()
    register(elbv2, reset_arn, resetting_server)
    reset_alb = balancer(reset_arn)
    wait_until(
        lambda: reset_alb.healthy_count() == 1, what="resetting target healthy", timeout=PATIENCE
    )
    reset = httpx.get(reset_alb.url + "/api/anything", trust_env=False)

    assert refused.status_code == 502
    assert "502 Bad Gateway" in refused.text
    assert reset.status_code == 502


def test_504_when_the_target_is_slower_than_the_idle_timeout(
    make_target_group, elbv2, target_server, balancer
):
    arn = make_target_group(idle_timeout=1)
    register(elbv2, arn, target_server("slow"))
    alb = balancer(arn)
    wait_until(lambda: alb.healthy_count() == 1, what="target healthy", timeout=PATIENCE)

    response = httpx.get(alb.url + "/api/slow?s=2", trust_env=False, timeout=10)

    # 504 is the idle timeout's answer; how soon it comes is a figure in benchmarks/.
    assert response.status_code == 504
    assert httpx.get(alb.url + "/api/slow?s=0.2", trust_env=False).status_code == 200


def test_forwarded_headers_host_and_body(make_target_group, elbv2, target_server, balancer):
    arn = make_target_group()
    register(elbv2, arn, target_server("echo"))
    alb = balancer(arn)
    wait_until(lambda: alb.healthy_count() == 1, what="target healthy", timeout=PATIENCE)

    with httpx.Client(base_url=alb.url, trust_env=False) as client:
        fresh = client.post("/api/echo?x=1", content=b"hello", headers={"Host": "anime.example"})
        chained = client.get(
            "/api/echo",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Amzn-Trace-Id": "Root=1-abc-def"},
        )
        with_self = client.get(
            "/api/echo", headers={"X-Amzn-Trace-Id": "Root=1-abc-def;Self=1-old-self;Foo=bar"}
        )

    seen = fresh.json()
    assert seen["body"] == "hello"
    assert seen["query"] == "x=1"
    assert seen["headers"]["host"] == "anime.example"
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert seen["headers"]["x-forwarded-proto"] == "http"
    assert seen["headers"]["x-forwarded-port"] == str(alb.listener_port)
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", seen["headers"]["x-amzn-trace-id"])
    chained_headers = chained.json()["headers"]
    assert chained_headers["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert re.fullmatch(
        r"Self=1-[0-9a-f]{8}-[0-9a-f]{24};Root=1-abc-def", chained_headers["x-amzn-trace-id"]
    )
    # [load-balancer-request-tracing]: an existing Self is updated, not added a second time
    assert re.fullmatch(
        r"Root=1-abc-def;Self=1-[0-9a-f]{8}-[0-9a-f]{24};Foo=bar",
        with_self.json()["headers"]["x-amzn-trace-id"],
    )


def test_health_checks_follow_path_and_matcher(
    make_target_group, elbv2, target_server, balancer, stack_clock
):
    wrong_path = make_target_group(HealthCheckPath="/api/healthz")
    wrong_code = make_target_group(Matcher={"HttpCode": "202-204"})
    p, m = target_server("p"), target_server("m")
    register(elbv2, wrong_path, p)
    register(elbv2, wrong_code, m)
    by_path, by_code = balancer(wrong_path), balancer(wrong_code)

    until_unhealthy(by_path, p, stack_clock)
    until_unhealthy(by_code, m, stack_clock)

    path_target, code_target = by_path.targets()[0], by_code.targets()[0]
    assert path_target["reason"] == "Target.ResponseCodeMismatch"
    assert "[404]" in path_target["description"]
    assert code_target["reason"] == "Target.ResponseCodeMismatch"
    assert "[200]" in code_target["description"]
    target = by_path.targets()[0]
    elbv2.deregister_targets(
        TargetGroupArn=wrong_path, Targets=[{"Id": target["id"], "Port": target["port"]}]
    )
    by_path.refresh_targets()
    assert by_path.health()["recently_deregistered"][-1]["reason"] == "Target.ResponseCodeMismatch"


def test_deregistration_drains_in_flight_requests(
    make_target_group, elbv2, target_server, balancer
):
    arn = make_target_group(deregistration_delay=5)
    leaving, staying = target_server("leaving"), target_server("staying")
    register(elbv2, arn, leaving, staying)
    alb = balancer(arn)
    wait_until(lambda: alb.healthy_count() == 2, what="two healthy targets", timeout=PATIENCE)
    slow_results = []

    def slow_request() -> None:
        with httpx.Client(base_url=alb.url, trust_env=False) as client:
            for _ in range(2):  # round robin: one of the two lands on `leaving`
                slow_results.append(client.get("/api/slow?s=1"))

    slow = threading.Thread(target=slow_request)
    slow.start()
    wait_until(
        lambda: (
            alb.in_flight(leaving.host, leaving.port) == 1
            or alb.in_flight(staying.host, staying.port) == 1
        ),
        what="a request in flight",
        timeout=2,
    )
    first = "leaving" if alb.in_flight(leaving.host, leaving.port) else "staying"
    if first == "staying":
        wait_until(
            lambda: alb.in_flight(leaving.host, leaving.port) == 1, what="leaving busy", timeout=3
        )
    elbv2.deregister_targets(
        TargetGroupArn=arn, Targets=[{"Id": leaving.host, "Port": leaving.port}]
    )
    alb.refresh_targets()

    assert alb.target_state(leaving.host, leaving.port) == "draining"
    during = {
        httpx.get(alb.url + "/api/health", trust_env=False).headers["X-AnimeHub-Task"]
        for _ in range(4)
    }
    slow.join(5)

    assert during == {"staying"}
    assert [r.status_code for r in slow_results] == [200, 200]
    assert alb.target_state(leaving.host, leaving.port) is None


def test_admin_view_lists_targets(make_target_group, elbv2, target_server, balancer):
    arn = make_target_group()
    server = target_server("seen")
    register(elbv2, arn, server)
    alb = balancer(arn)
    wait_until(lambda: alb.healthy_count() == 1, what="target healthy", timeout=PATIENCE)

    view = httpx.get(alb.url + "/__alb/targets", trust_env=False).json()

    assert view["target_group_arn"] == arn
    assert view["health_check"]["path"] == "/api/health"
    assert view["targets"] == [
        view["targets"][0] | {"id": server.host, "port": server.port, "state": "healthy"}
    ]


def test_502_when_the_deregistration_delay_ends_with_a_request_in_flight(
    make_target_group, elbv2, target_server, balancer
):
    """[load-balancer-troubleshooting] HTTP 502: "The deregistration delay period elapsed for
    a request being handled by a target that was deregistered." """
    arn = make_target_group(deregistration_delay=1)
    leaving = target_server("leaving")
    register(elbv2, arn, leaving)
    alb = balancer(arn)
    wait_until(lambda: alb.healthy_count() == 1, what="target healthy", timeout=3)
    results = []
    slow = threading.Thread(
        target=lambda: results.append(
            httpx.get(alb.url + "/api/slow?s=30", trust_env=False, timeout=60)
        )
    )
    slow.start()
    wait_until(
        lambda: alb.in_flight(leaving.host, leaving.port) == 1,
        what="the request in flight",
        timeout=5,
    )

    elbv2.deregister_targets(
        TargetGroupArn=arn, Targets=[{"Id": leaving.host, "Port": leaving.port}]
    )
    alb.refresh_targets()
    slow.join(20)

    assert [r.status_code for r in results] == [502]
    assert "502 Bad Gateway" in results[0].text
    assert alb.target_state(leaving.host, leaving.port) is None


def test_describe_target_health_through_the_api_front_tells_the_albs_verdicts(
    endpoints, make_target_group, elbv2, target_server, balancer, stack_clock
):
    """[target-group-health-checks]: states and reason codes; the emulator alone says healthy."""
    from harness.data_plane.api_front import ApiFront

    arn = make_target_group(HealthCheckPath="/api/healthz")
    sick = target_server("sick")
    register(elbv2, arn, sick)
    alb = balancer(arn)
    front = ApiFront(endpoints).start()
    try:
        front.serve_elbv2(alb)
        through_front = front.endpoints.client("elbv2")
        until_unhealthy(alb, sick, stack_clock)

        (described,) = through_front.describe_target_health(TargetGroupArn=arn)[
            "TargetHealthDescriptions"
        ]
        other_group = make_target_group()
        untouched = through_front.describe_target_health(TargetGroupArn=other_group)
    finally:
        front.stop()

    assert described["Target"] == {"Id": sick.host, "Port": sick.port}
    assert described["TargetHealth"]["State"] == "unhealthy"
    assert described["TargetHealth"]["Reason"] == "Target.ResponseCodeMismatch"
    assert "[404]" in described["TargetHealth"]["Description"]
    assert untouched["TargetHealthDescriptions"] == []
    (emulator_says,) = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert emulator_says["TargetHealth"]["State"] == "healthy"  # why the front is needed
