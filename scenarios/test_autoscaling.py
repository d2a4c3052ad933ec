"""Load through the edge scales the API service out and, once the load is gone, back in: the
blueprint's target-tracking policy on ALBRequestCountPerTarget, its alarms evaluated on the
stack clock, ECS starting the tasks and the ALB finding them healthy. No step waits for real
minutes: every minute of load is a burst of requests followed by a clock advance.

[application-auto-scaling-target-tracking, target-tracking-scaling-policy-overview: the policy
creates AlarmHigh (3 of 3 minutes above the target) and AlarmLow (15 of 15 below 90 % of it);
API reference DescribeScalingActivities; ALB user guide load-balancer-cloudwatch-metrics:
RequestCountPerTarget is reported only when non-zero, so silence never scales in]"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from harness.control_plane.blueprint import Blueprint
from harness.plumbing.waiting import NotYet, wait_until

pytestmark = pytest.mark.breaks_stack  # it moves the clock and the service's size

PATIENCE = 120  # only catches a hang: tasks start and pass health checks on a loaded machine
MAX_LOAD_MINUTES = 6  # a burst that straddles a minute boundary is made up by another


@pytest.fixture
def scaling(stack, aws):
    record = stack.record
    blueprint = stack.blueprint or Blueprint()
    resource_id = f"service/{record.cluster}/{record.service}"
    (policy,) = aws.application_autoscaling.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=resource_id
    )["ScalingPolicies"]
    alarms = {
        kind: next(a["AlarmName"] for a in policy["Alarms"] if f"-{kind}-" in a["AlarmName"])
        for kind in ("AlarmHigh", "AlarmLow")
    }
    return {
        "resource_id": resource_id,
        "alarms": alarms,
        "target_value": blueprint.requests_per_target,
        "load_balancer": record.load_balancer_arn.split(":loadbalancer/", 1)[1],
        "target_group": record.target_group_arn.split(":", 5)[-1],
    }


class Minutes:
    """Minutes of traffic on the stack clock: each begins on a minute boundary, sends its
    requests through the edge, waits until the ALB's metrics hold them, then moves the clock
    to the next minute."""

    def __init__(self, stack, aws, clock, edge_url, edge_verify, scaling) -> None:
        self.stack, self.aws, self.clock, self.scaling = stack, aws, clock, scaling
        self.edge = httpx.Client(
            base_url=edge_url,
            verify=edge_verify,
            timeout=60,
            trust_env=False,
            limits=httpx.Limits(max_connections=8),
        )

    def next_minute(self) -> None:
        self.clock.advance(60 - self.clock.now() % 60 + 1)

    def requests_counted(self, start: float) -> float:
        answer = self.aws.cloudwatch.get_metric_statistics(
            Namespace="AWS/ApplicationELB",
            MetricName="RequestCount",
            Dimensions=[
                {"Name": "LoadBalancer", "Value": self.scaling["load_balancer"]},
                {"Name": "TargetGroup", "Value": self.scaling["target_group"]},
            ],
            StartTime=datetime.fromtimestamp(start, UTC),
            EndTime=datetime.fromtimestamp(start + 60, UTC),
            Period=60,
            Statistics=["Sum"],
        )
        return sum(p["Sum"] for p in answer["Datapoints"])

    def traffic(self, requests: int) -> None:
        start = self.clock.now() // 60 * 60
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(
                pool.map(lambda _: self.edge.get("/api/health").status_code, range(requests))
            )
        assert set(codes) == {200}

        def published() -> float:
            seen = self.requests_counted(start) + self.requests_counted(start + 60)
            if seen < requests:
                raise NotYet(f"{seen} of {requests} requests in CloudWatch")
            return seen

        wait_until(published, what="the ALB's RequestCount for the burst", timeout=PATIENCE)
        self.next_minute()

    def evaluated(self) -> None:
        """Until the alarms have been evaluated at least once on the clock as it is now."""

        def evaluations() -> int:
            return (self.stack.describe()["components"].get("alarms") or {}).get("evaluations", 0)

        before = evaluations()  # one may be under way on the clock as it was: wait for two
        wait_until(
            lambda: evaluations() > before + 1,
            what="an alarm evaluation",
            timeout=PATIENCE,
            interval=0.2,
        )

    def alarm_state(self, kind: str) -> str:
        name = self.scaling["alarms"][kind]
        (alarm,) = self.aws.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        return alarm["StateValue"]


@pytest.fixture
def minutes(stack, aws, clock, edge_url, edge_verify, scaling):
    traffic = Minutes(stack, aws, clock, edge_url, edge_verify, scaling)
    yield traffic
    traffic.edge.close()


def service(aws, stack) -> dict:
    (described,) = aws.ecs.describe_services(
        cluster=stack.record.cluster, services=[stack.record.service]
    )["services"]
    return described


def healthy_targets(aws, stack) -> int:
    described = aws.elbv2.describe_target_health(TargetGroupArn=stack.record.target_group_arn)
    states = [t["TargetHealth"]["State"] for t in described["TargetHealthDescriptions"]]
    return states.count("healthy")


def wait_for_size(aws, stack, tasks: int) -> None:
    def sized() -> bool:
        now = service(aws, stack)
        healthy = healthy_targets(aws, stack)
        if (now["desiredCount"], now["runningCount"], healthy) != (tasks, tasks, tasks):
            raise NotYet(
                f"desired {now['desiredCount']}, running {now['runningCount']}, healthy {healthy}"
            )
        return True

    wait_until(sized, what=f"{tasks} running tasks healthy in the ALB", timeout=PATIENCE)


def test_load_scales_the_service_out_and_its_end_scales_it_back_in(
    aws, stack, clock, minutes, scaling
):
    assert service(aws, stack)["desiredCount"] == 2
    # Far from real time, so the bursts never reach the windows of the clock once put back.
    clock.advance("1d")
    minutes.next_minute()
    per_target = scaling["target_value"] * 1.2
    burst = math.ceil(per_target * 2)  # 2 tasks, 20 % above the target per task

    for _ in range(MAX_LOAD_MINUTES):
        minutes.traffic(burst)
        minutes.evaluated()
        if minutes.alarm_state("AlarmHigh") == "ALARM":
            break
    assert minutes.alarm_state("AlarmHigh") == "ALARM"

    wait_for_size(aws, stack, 3)  # ceil(2 tasks * 1.2 * target / target)
    (scale_out,) = aws.application_autoscaling.describe_scaling_activities(
        ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
    )["ScalingActivities"]
    assert scale_out["Description"] == "Setting desired count to 3."
    assert scaling["alarms"]["AlarmHigh"] in scale_out["Cause"]

    # Silence is not low load: without datapoints AlarmLow has insufficient data.
    clock.advance("16m")
    minutes.evaluated()
    assert minutes.alarm_state("AlarmLow") == "INSUFFICIENT_DATA"
    assert service(aws, stack)["desiredCount"] == 3

    # A trickle far under 90 % of the target for 15 minutes (past both cooldowns) scales in.
    minutes.next_minute()
    for _ in range(15):
        minutes.traffic(1)
    minutes.evaluated()
    assert minutes.alarm_state("AlarmLow") == "ALARM"
    wait_for_size(aws, stack, 2)
    activities = aws.application_autoscaling.describe_scaling_activities(
        ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
    )["ScalingActivities"]
    assert [a["Description"] for a in activities] == [
        "Setting desired count to 2.",
        "Setting desired count to 3.",
    ]
    assert all(a["StatusCode"] == "Successful" for a in activities)


def test_a_policy_on_the_wrong_metric_never_scales(aws, stack, clock, minutes, scaling):
    # The negative control: the same load, but the policy tracks RequestCountPerTarget in the
    # Classic Load Balancer's namespace (AWS/ELB), where nothing is published.
    autoscaling = aws.application_autoscaling
    (blueprint_policy,) = autoscaling.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
    )["ScalingPolicies"]
    config = blueprint_policy["TargetTrackingScalingPolicyConfiguration"]
    wrong = {
        "TargetValue": config["TargetValue"],
        "CustomizedMetricSpecification": {
            "Namespace": "AWS/ELB",
            "MetricName": "RequestCountPerTarget",
            "Statistic": "Sum",
            "Dimensions": [{"Name": "TargetGroup", "Value": scaling["target_group"]}],
        },
    }
    target = {
        "PolicyName": blueprint_policy["PolicyName"],
        "ServiceNamespace": "ecs",
        "ResourceId": scaling["resource_id"],
        "ScalableDimension": blueprint_policy["ScalableDimension"],
        "PolicyType": "TargetTrackingScaling",
    }
    activities_before = len(
        autoscaling.describe_scaling_activities(
            ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
        )["ScalingActivities"]
    )
    autoscaling.put_scaling_policy(**target, TargetTrackingScalingPolicyConfiguration=wrong)
    try:
        (policy,) = autoscaling.describe_scaling_policies(
            ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
        )["ScalingPolicies"]
        names = [a["AlarmName"] for a in policy["Alarms"]]

        def on_the_wrong_metric() -> list[dict]:
            alarms = aws.cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]
            if {a["Namespace"] for a in alarms} != {"AWS/ELB"}:
                raise NotYet(f"the policy's alarms watch {[a['Namespace'] for a in alarms]}")
            return alarms

        wait_until(on_the_wrong_metric, what="the policy's own alarms", timeout=PATIENCE)
        clock.advance("1d")
        minutes.next_minute()
        for _ in range(3):  # the load that scaled the blueprint's policy out
            minutes.traffic(math.ceil(scaling["target_value"] * 1.2 * 2))
        minutes.evaluated()

        states = {a["StateValue"] for a in on_the_wrong_metric()}
        assert states == {"INSUFFICIENT_DATA"}
        assert service(aws, stack)["desiredCount"] == 2
        after = autoscaling.describe_scaling_activities(
            ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
        )["ScalingActivities"]
        assert len(after) == activities_before
    finally:
        autoscaling.put_scaling_policy(**target, TargetTrackingScalingPolicyConfiguration=config)
