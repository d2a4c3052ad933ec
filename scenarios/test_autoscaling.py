"""Load through the edge scales the API service out and, once the load is gone, back in: the
blueprint's target-tracking policy on ALBRequestCountPerTarget, its alarms evaluated on the
stack clock, ECS starting the tasks and the ALB finding them healthy. No step waits for real
minutes: every minute of load is a burst of requests followed by a clock advance, and the
tests wait for what the stack does on each advance (the requests counted, the alarms
evaluated, the tasks running), not for intervals.

The blueprint's policy is tested with a target of TARGET requests per task a minute instead
of its 100: what is under test (3 of 3 minutes above the target, a scale-out in proportion,
15 of 15 below 90 % of it, the cooldowns) is the same at any target, and a minute of load
is then 24 requests instead of 240. Its metric, resource label and cooldowns stay the
blueprint's, and the blueprint's target is put back after each test.

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

from harness.clock import parse_duration
from harness.plumbing.waiting import NotYet, wait_until

# It moves the clock and the service's size; its tests share one clock, put back after both.
pytestmark = [pytest.mark.breaks_stack, pytest.mark.stack_clock_per_module]

PATIENCE = 120  # only catches a hang: tasks start and pass health checks on a loaded machine
MAX_LOAD_MINUTES = 6  # a burst slower than a minute of real time is made up by another
POLL = 0.1  # how often CloudWatch and ECS are asked while waiting (they share the harness)
TARGET = 10.0  # requests per task a minute, the tests' target (the blueprint's is 100)
HIGH_PERIODS = 3  # AlarmHigh: 3 of 3 one-minute periods above the target
ALB = "AWS/ApplicationELB"


def put_policy(aws, scaling: dict, config: dict, namespace: str) -> dict[str, str]:
    """The service's policy with `config`, once Application Auto Scaling (the harness) has
    given it its alarms on `namespace`'s metric; their names by kind."""
    autoscaling = aws.application_autoscaling
    autoscaling.put_scaling_policy(
        **scaling["policy_key"], TargetTrackingScalingPolicyConfiguration=config
    )
    (policy,) = autoscaling.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
    )["ScalingPolicies"]
    names = {
        kind: next(a["AlarmName"] for a in policy["Alarms"] if f"-{kind}-" in a["AlarmName"])
        for kind in ("AlarmHigh", "AlarmLow")
    }

    def defined() -> bool:
        alarms = aws.cloudwatch.describe_alarms(AlarmNames=list(names.values()))["MetricAlarms"]
        seen = {(a["Namespace"], a["Threshold"]) for a in alarms}
        wanted = {(namespace, config["TargetValue"]), (namespace, config["TargetValue"] * 0.9)}
        if seen != wanted:
            raise NotYet(f"the policy's alarms watch {seen}")
        return True

    wait_until(defined, what="the policy's alarms", timeout=PATIENCE, interval=POLL)
    return names


@pytest.fixture
def scaling(stack, aws):
    """The blueprint's policy tracking TARGET; the blueprint's own target put back after."""
    record = stack.record
    resource_id = f"service/{record.cluster}/{record.service}"
    (blueprint_policy,) = aws.application_autoscaling.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=resource_id
    )["ScalingPolicies"]
    blueprint_config = blueprint_policy["TargetTrackingScalingPolicyConfiguration"]
    scaling = {
        "resource_id": resource_id,
        "policy_key": {
            "PolicyName": blueprint_policy["PolicyName"],
            "ServiceNamespace": "ecs",
            "ResourceId": resource_id,
            "ScalableDimension": blueprint_policy["ScalableDimension"],
            "PolicyType": "TargetTrackingScaling",
        },
        "target_value": TARGET,
        "load_balancer": record.load_balancer_arn.split(":loadbalancer/", 1)[1],
        "target_group": record.target_group_arn.split(":", 5)[-1],
    }
    scaling["alarms"] = put_policy(aws, scaling, blueprint_config | {"TargetValue": TARGET}, ALB)
    yield scaling
    put_policy(aws, scaling, blueprint_config, ALB)


class Minutes:
    """Minutes of traffic on the stack clock: each begins a second past a minute boundary and
    sends its requests through the edge; the ALB counts each request in the minute it arrived
    in, then the clock moves to the next minute.

    A move does not wait for the API tasks to follow it (up to a second or two each, twenty
    moves): nothing here reads the tasks' clock (the ALB stamps the requests; the alarms and
    the scaling run in the harness), and a task that sees a jump late closes no connection
    the ALB sends on, since the ALB keeps none for a while after a move (alb/target_pool.py,
    TASKS_FOLLOW; a burst right after a move got a 502 before it did). The `clock` fixture
    puts the clock back after the module."""

    def __init__(self, stack, aws, clock, edge_url, edge_verify, scaling) -> None:
        self.stack, self.aws, self.clock, self.scaling = stack, aws, clock, scaling
        self.edge = httpx.Client(
            base_url=edge_url,
            verify=edge_verify,
            timeout=60,
            trust_env=False,
            limits=httpx.Limits(max_connections=8),
        )

    def next_minute(self, after: str | None = None) -> None:
        """To a second past the minute boundary that follows `after` (a duration) from now."""
        skipped = parse_duration(after) if after else 0
        to_next = skipped + 60 - (self.clock.now() + skipped) % 60 + 1
        self.clock.advance(to_next, tasks_follow=False)

    def requests_counted(self, start: float, minutes: int = 1) -> float:
        answer = self.aws.cloudwatch.get_metric_statistics(
            Namespace="AWS/ApplicationELB",
            MetricName="RequestCount",
            Dimensions=[
                {"Name": "LoadBalancer", "Value": self.scaling["load_balancer"]},
                {"Name": "TargetGroup", "Value": self.scaling["target_group"]},
            ],
            StartTime=datetime.fromtimestamp(start, UTC),
            EndTime=datetime.fromtimestamp(start + 60 * minutes, UTC),
            Period=60,
            Statistics=["Sum"],
        )
        return sum(p["Sum"] for p in answer["Datapoints"])

    def send(self, requests: int) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(
                pool.map(lambda _: self.edge.get("/api/health").status_code, range(requests))
            )
        assert set(codes) == {200}

    def counted(self, start: float, requests: int, minutes: int = 1) -> None:
        """Until CloudWatch holds `requests` in the minutes from `start`."""

        def published() -> float:
            seen = self.requests_counted(start, minutes)
            if seen < requests:
                raise NotYet(f"{seen} of {requests} requests in CloudWatch")
            return seen

        wait_until(published, what="the ALB's RequestCount", timeout=PATIENCE, interval=POLL)

    def traffic(self, requests: int) -> None:
        """One minute of load: the burst, counted, then the next minute."""
        start = self.clock.now() // 60 * 60
        self.send(requests)
        self.counted(start, requests)
        self.next_minute()

    def trickle(self, minutes: int) -> None:
        """One request in each of `minutes` minutes, each counted in the minute it arrived in
        however late the ALB's metrics read it; the last move once CloudWatch holds them all.
        The alarms are evaluated once a minute of the clock, at once on entering it: a move
        made before the last minute's request is published would have its evaluation miss it
        (a missing period: OK, not ALARM), and the next comes a real minute later."""
        start = self.clock.now() // 60 * 60
        for minute in range(minutes):
            self.send(1)
            if minute == minutes - 1:
                self.counted(start, minutes, minutes)
            self.next_minute()

    def evaluated(self) -> None:
        """Until the alarms have been evaluated at least once on the clock as it is now."""

        now = self.clock.now()

        def evaluated_since() -> bool:
            alarms = self.stack.describe()["components"].get("alarms") or {}
            if (alarms.get("evaluated_at") or 0) < now:
                raise NotYet(f"the latest alarm evaluation began at {alarms.get('evaluated_at')}")
            return True

        wait_until(evaluated_since, what="an alarm evaluation", timeout=PATIENCE, interval=0.2)

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

    wait_until(
        sized, what=f"{tasks} running tasks healthy in the ALB", timeout=PATIENCE, interval=POLL
    )


def test_load_scales_the_service_out_and_its_end_scales_it_back_in(aws, stack, minutes, scaling):
    assert service(aws, stack)["desiredCount"] == 2
    # Far from real time, so the bursts never reach the windows of the clock once put back.
    minutes.next_minute(after="1d")
    per_target = scaling["target_value"] * 1.2
    burst = math.ceil(per_target * 2)  # 2 tasks, 20 % above the target per task

    for minute in range(MAX_LOAD_MINUTES):
        minutes.traffic(burst)
        if minute < HIGH_PERIODS - 1:
            continue  # fewer minutes than AlarmHigh's periods cannot raise it
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
    minutes.next_minute(after="16m")
    minutes.evaluated()
    assert minutes.alarm_state("AlarmLow") == "INSUFFICIENT_DATA"
    assert service(aws, stack)["desiredCount"] == 3

    # A trickle far under 90 % of the target for 15 minutes (past both cooldowns) scales in.
    minutes.trickle(15)
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


def test_a_policy_on_the_wrong_metric_never_scales(aws, stack, minutes, scaling):
    # The negative control: the same load, but the policy tracks RequestCountPerTarget in the
    # Classic Load Balancer's namespace (AWS/ELB), where nothing is published. Over the three
    # evaluation periods of its AlarmHigh, an evaluation that read the ALB's metric instead
    # would raise it and scale out.
    wrong = {
        "TargetValue": TARGET,
        "CustomizedMetricSpecification": {
            "Namespace": "AWS/ELB",
            "MetricName": "RequestCountPerTarget",
            "Statistic": "Sum",
            "Dimensions": [{"Name": "TargetGroup", "Value": scaling["target_group"]}],
        },
    }
    activities_before = len(
        aws.application_autoscaling.describe_scaling_activities(
            ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
        )["ScalingActivities"]
    )
    names = put_policy(aws, scaling, wrong, "AWS/ELB")  # the fixture puts the blueprint's back

    minutes.next_minute(after="1d")
    for _ in range(HIGH_PERIODS):  # the load that scaled the blueprint's policy out
        minutes.traffic(math.ceil(TARGET * 1.2 * 2))
    minutes.evaluated()

    alarms = aws.cloudwatch.describe_alarms(AlarmNames=list(names.values()))["MetricAlarms"]
    assert {a["StateValue"] for a in alarms} == {"INSUFFICIENT_DATA"}
    assert service(aws, stack)["desiredCount"] == 2
    after = aws.application_autoscaling.describe_scaling_activities(
        ServiceNamespace="ecs", ResourceId=scaling["resource_id"]
    )["ScalingActivities"]
    assert len(after) == activities_before
