"""What an access log adds up to as CloudWatch datapoints (ALB user guide,
load-balancer-cloudwatch-metrics: RequestCountPerTarget is RequestCount divided by the healthy
targets; HTTPCode_Target_5XX_Count is reported only when non-zero; the metrics are 60-second
datapoints)."""

from datetime import UTC, datetime

from harness.data_plane.alb.metrics import Tally, datapoints

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/abc"
LB = "app/animehub-alb/123"


def line(
    target_status: str,
    target_time: str = "0.010",
    arrived: str = "00:00:00.000000",
    ended: str = "00:00:00.000000",
) -> str:
    return (
        f"http 2026-11-24T{ended}Z {LB} 127.0.0.1:5000 127.0.0.2:8000 0.000 "
        f'{target_time} 0.000 {target_status} {target_status} 0 10 "GET http://x/api/health '
        f'HTTP/1.1" "ua" - - {TG} "Root=1-a-b" "-" "-" 0 2026-11-24T{arrived}Z "forward"'
    )


def by_name(points):
    out = {}
    for p in points:
        dims = tuple(d["Name"] for d in p["Dimensions"])
        out[(p["MetricName"], dims)] = p.get("Value", p.get("StatisticValues"))
    return out


def test_counts_per_target_and_5xx():
    tally = Tally()
    for status in ("200", "200", "503", "200"):
        tally.add(line(status))
    points = by_name(datapoints(tally, 2))

    assert points[("RequestCount", ("LoadBalancer",))] == 4
    assert points[("RequestCount", ("LoadBalancer", "TargetGroup"))] == 4
    assert points[("RequestCountPerTarget", ("TargetGroup",))] == 2
    assert points[("HTTPCode_Target_5XX_Count", ("LoadBalancer",))] == 1
    assert points[("TargetResponseTime", ("LoadBalancer",))]["SampleCount"] == 4


def test_no_requests_no_count_datapoints():
    tally = Tally()
    tally.add(line("200"))
    points = by_name(datapoints(tally, 1))
    assert not any(name == "HTTPCode_Target_5XX_Count" for name, _ in points)
    assert by_name(datapoints(Tally(), 1)) == {}


def test_a_request_no_target_answered_has_no_response_time():
    tally = Tally()
    tally.add(line("-", "-1"))
    points = by_name(datapoints(tally, 1))
    assert ("TargetResponseTime", ("LoadBalancer",)) not in points
    assert points[("RequestCount", ("LoadBalancer",))] == 1


def test_a_request_counts_in_the_minute_it_arrived_in():
    tally = Tally()
    tally.add(line("200", arrived="00:00:59.900000", ended="00:01:00.200000"))
    tally.add(line("200", arrived="00:01:00.100000", ended="00:01:00.300000"))
    tally.add(line("200", arrived="00:01:30.000000", ended="00:01:30.010000"))
    counts = {
        p["Timestamp"]: p["Value"]
        for p in datapoints(tally, 1)
        if p["MetricName"] == "RequestCount" and len(p["Dimensions"]) == 1
    }
    assert counts == {
        datetime(2026, 11, 24, 0, 0, tzinfo=UTC): 1,
        datetime(2026, 11, 24, 0, 1, tzinfo=UTC): 2,
    }
