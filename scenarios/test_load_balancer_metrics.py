"""The ALB's CloudWatch metrics, as AWS publishes them (namespace AWS/ApplicationELB, dimensions
LoadBalancer=app/<name>/<id> and TargetGroup=targetgroup/<name>/<id>; ALB user guide,
load-balancer-cloudwatch-metrics), in the emulator's CloudWatch after requests through the
edge."""

import datetime

import pytest

from harness.plumbing.waiting import NotYet, wait_until

REQUESTS = 7


@pytest.fixture
def dimensions(aws, stack):
    (lb,) = aws.elbv2.describe_load_balancers(LoadBalancerArns=[stack.record.load_balancer_arn])[
        "LoadBalancers"
    ]
    return {
        "LoadBalancer": lb["LoadBalancerArn"].split(":loadbalancer/", 1)[1],
        "TargetGroup": stack.record.target_group_arn.split(":", 5)[-1],
    }


def statistic(cloudwatch, name, dims, stat):
    now = datetime.datetime.now(datetime.UTC)  # the stack clock is at real time here
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/ApplicationELB",
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=now - datetime.timedelta(minutes=10),
        EndTime=now + datetime.timedelta(minutes=1),
        Period=60,
        Statistics=[stat],
    )
    return (
        sum(p[stat] for p in answer["Datapoints"])
        if stat == "Sum"
        else max((p[stat] for p in answer["Datapoints"]), default=0)
    )


def test_requests_through_the_edge_are_counted_per_load_balancer_and_target(
    aws, make_api, dimensions
):
    cloudwatch = aws.cloudwatch
    lb_only = {"LoadBalancer": dimensions["LoadBalancer"]}
    before = statistic(cloudwatch, "RequestCount", lb_only, "Sum")
    errors_before = statistic(cloudwatch, "HTTPCode_Target_5XX_Count", lb_only, "Sum")
    edge = make_api()
    for _ in range(REQUESTS):
        assert edge.get("/api/health").status_code == 200

    def counted() -> float:
        seen = statistic(cloudwatch, "RequestCount", lb_only, "Sum") - before
        if seen < REQUESTS:
            raise NotYet(f"RequestCount grew by {seen}")
        return seen

    wait_until(counted, what="RequestCount in CloudWatch", timeout=30)
    assert statistic(cloudwatch, "RequestCountPerTarget", dimensions, "Sum") > 0
    assert statistic(cloudwatch, "TargetResponseTime", dimensions, "Maximum") > 0
    assert statistic(cloudwatch, "HealthyHostCount", dimensions, "Maximum") >= 2
    # Earlier tests on this stack may have made 5xx on purpose: only this test's count.
    assert statistic(cloudwatch, "HTTPCode_Target_5XX_Count", lb_only, "Sum") == errors_before


def test_the_blueprints_5xx_alarm_is_evaluated_to_ok_without_5xx(aws, stack):
    alarm_name = stack.blueprint.api_5xx_alarm if stack.blueprint else "animehub-api-5xx"

    def evaluated() -> dict:
        (alarm,) = aws.cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
        if alarm["StateValue"] == "INSUFFICIENT_DATA":
            raise NotYet("not evaluated yet")
        return alarm

    alarm = wait_until(evaluated, what="the 5xx alarm evaluated", timeout=30)
    assert alarm["StateValue"] == "OK"  # no 5xx datapoint: notBreaching
