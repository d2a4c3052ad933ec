"""The ALB writes one access-log line per request in AWS's documented field order.

Field order: "Access log entries", Application Load Balancers user guide
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html).
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

import httpx

from harness.data_plane.alb import LoadBalancer
from harness.data_plane.alb.access_log import (
    FILE_NAME,
    AccessRecord,
    _time,
    format_line,
    split_line,
)
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


def test_a_line_reads_back_as_the_fields_format_line_wrote():
    """metrics.py reads lines with split_line: every field, quotes removed, a quote inside a
    value kept as %22, an empty quoted value kept as an empty field's "-"."""
    record = AccessRecord(
        started=1_700_000_000.0,
        client=("127.0.0.1", 5000),
        method="GET",
        url='http://x/api/anime?q="a b"',
        http_version="1.1",
        user_agent="Mozilla/5.0 (X11; Linux) \\ slash",
        trace_id="Root=1-a-b",
        request_id="req 1",
        target="127.0.0.2:8000",
        elb_status=200,
        target_status=200,
    )
    line = format_line(record, elb="app/alb/1", target_group_arn="arn:tg", ended=1_700_000_001.0)

    fields = split_line(line)

    assert fields[12] == "GET http://x/api/anime?q=%22a b%22 HTTP/1.1"
    assert fields[13] == "Mozilla/5.0 (X11; Linux) \\ slash"
    assert fields[-1] == "req 1"
    assert len(fields) == 31
    assert fields[9] == "200" and fields[18] == "-"


def test_the_time_fields_are_iso_8601_to_the_microsecond_as_datetime_writes_them():
    """`time` and `request_creation_time` are ISO 8601 ("Access log entries"); the formatting
    is cached per second, so the same second, the next one and a microsecond that rounds up
    into the next second must all read as datetime writes them."""
    moments = [
        1_700_000_000.25,
        1_700_000_000.75,  # the same second again: from the cached text
        1_700_000_001.0,
        1_700_000_001.9999996,  # rounds up into the next second
        1_700_000_002.0000005,  # half a microsecond: rounded half to even
        1_600_000_000.5,  # an earlier second after a later one (a clock moved back)
    ]
    for epoch in moments:
        expected = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert _time(epoch) == expected
