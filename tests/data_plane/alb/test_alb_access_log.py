"""The ALB writes one access-log line per request in AWS's documented field order.

Field order: "Access log entries", Application Load Balancers user guide
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html).
"""

from __future__ import annotations

import shlex

import httpx

from harness.data_plane.alb import LoadBalancer
from harness.data_plane.alb.access_log import FILE_NAME
from harness.plumbing.waiting import wait_until


def wait_for_lines(path, count: int, timeout: float = 30.0) -> list[list[str]]:
    def lines() -> list[str]:
        found = path.read_text().splitlines() if path.exists() else []
        return found if len(found) >= count else []

    found = wait_until(lines, what=f"{count} lines in {path}", timeout=timeout)
    return [shlex.split(line) for line in found]


def test_a_forwarded_request_logs_target_status_trace_and_request_id(
    make_target_group, elbv2, target_server, endpoints, tmp_path
):
    arn = make_target_group(idle_timeout=60)  # with a load balancer and listener
    server = target_server("a")
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": server.host, "Port": server.port}])
    with LoadBalancer(endpoints, arn, log_dir=tmp_path) as alb:
        wait_until(lambda: alb.healthy_count() >= 1, what="a healthy target", timeout=30)
        response = httpx.get(
            alb.url + "/api/health?x=1",
            headers={"X-Amz-Cf-Id": "cf-id-123", "User-Agent": "probe/1"},
            trust_env=False,
        )
        (fields,) = wait_for_lines(tmp_path / FILE_NAME, 1)

    assert response.status_code == 200
    assert fields[0] == "http"
    assert fields[2].startswith("app/")
    assert fields[4] == f"{server.host}:{server.port}"
    assert fields[8:10] == ["200", "200"]
    assert int(fields[11]) == len(response.content)
    assert fields[12] == f"GET http://{alb.url.removeprefix('http://')}/api/health?x=1 HTTP/1.1"
    assert fields[13] == "probe/1"
    assert fields[16] == arn
    assert fields[17].startswith("Root=1-")
    assert fields[22] == "forward"
    assert fields[-1] == "cf-id-123"


def test_a_request_with_no_target_logs_503_and_no_target(make_target_group, endpoints, tmp_path):
    arn = make_target_group()
    with LoadBalancer(endpoints, arn, log_dir=tmp_path) as alb:
        assert httpx.get(alb.url + "/", trust_env=False).status_code == 503
        (fields,) = wait_for_lines(tmp_path / FILE_NAME, 1)

    assert fields[4] == "-"
    assert fields[5:8] == ["-1", "-1", "-1"]
    assert fields[8:10] == ["503", "-"]
