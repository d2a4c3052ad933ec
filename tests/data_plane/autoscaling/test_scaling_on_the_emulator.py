"""Application Auto Scaling executed against the emulator on the stack clock: a target-tracking
policy's high alarm sets the ECS service's desired count (within min and max, once per
cooldown) and records the activity; a policy on a metric nobody publishes never scales; step
scaling applies its step and its cooldown."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from harness.clock import clock
from harness.data_plane.alarms import AlarmEvaluator
from harness.data_plane.autoscaling.app import ScalingLoop

DIMENSION = "ecs:service:DesiredCount"
LABEL = "app/web-{id}/50dc6c49/targetgroup/api-{id}/6d0ecf83"


@pytest.fixture
def endpoints(endpoints):
    """The session's emulator in a region of this module's own: a stack started in the same
    worker shares the emulator's state (moto keeps it per process), and that stack's own
    scaler and alarm evaluator would act on what these tests make in its region too."""
    return replace(endpoints, region="eu-west-3")


class MinuteClock:
    """The stack clock stepped a whole minute at a time, one second past each boundary, so a
    slow pass of the evaluator never lets a minute slip by without its datapoint."""

    def __init__(self) -> None:
        self.origin = (clock.now() // 60 + 1) * 60 + 1
        self.minute = 0
        self.go()

    def go(self) -> None:
        clock.set_offset(self.origin + 60 * self.minute - time.time())

    def next(self) -> None:
        self.minute += 1
        self.go()


@pytest.fixture
def stack_clock(tmp_path):
    clock.use(tmp_path / "clock")
    yield MinuteClock()
    clock.release(tmp_path / "clock")


@pytest.fixture
def service(endpoints):
    """An ECS service of 2 tasks registered as a scalable target of 2 to 6; its policies and
    alarms are deleted after the test, so that the next test's evaluations judge only its own
    (the emulator is the session's)."""
    ecs = endpoints.client("ecs")
    name = f"scaling-{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=name)
    family = ecs.register_task_definition(
        family=name, containerDefinitions=[{"name": "api", "image": "api:1", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=name, serviceName=name, taskDefinition=family, desiredCount=2)
    resource_id = f"service/{name}/{name}"
    endpoints.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension=DIMENSION,
        MinCapacity=2,
        MaxCapacity=6,
    )
    yield {"name": name, "resource_id": resource_id, "label": LABEL.format(id=name[-8:])}
    autoscaling = endpoints.client("application-autoscaling")
    for policy in autoscaling.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=resource_id
    )["ScalingPolicies"]:
        # Deleting a policy deletes the alarms target tracking created for it.
        autoscaling.delete_scaling_policy(
            PolicyName=policy["PolicyName"],
            ServiceNamespace="ecs",
            ResourceId=resource_id,
            ScalableDimension=DIMENSION,
        )
    cloudwatch = endpoints.client("cloudwatch")
    left = [
        a["AlarmName"]
        for a in cloudwatch.describe_alarms(AlarmNamePrefix="TargetTracking-" + resource_id)[
            "MetricAlarms"
        ]
    ]
    cloudwatch.delete_alarms(AlarmNames=[*left, f"step-{name}"])


@pytest.fixture
def scaler(endpoints):
    return ScalingLoop(
        endpoints.client("application-autoscaling"),
        endpoints.client("cloudwatch"),
        endpoints.client("ecs"),
    )


def desired(endpoints, service) -> int:
    (described,) = endpoints.client("ecs").describe_services(
        cluster=service["name"], services=[service["name"]]
    )["services"]
    return described["desiredCount"]


def put_requests_per_target(endpoints, label: str, value: float):
    load_balancer, _, target_group = label.partition("/targetgroup/")
    endpoints.client("cloudwatch").put_metric_data(
        Namespace="AWS/ApplicationELB",
        MetricData=[
            {
                "MetricName": "RequestCountPerTarget",
                "Dimensions": [
                    {"Name": "LoadBalancer", "Value": load_balancer},
                    {"Name": "TargetGroup", "Value": f"targetgroup/{target_group}"},
                ],
                # At the start of the minute, as the ALB stamps its 60-second datapoints.
                "Timestamp": datetime.fromtimestamp(clock.now() // 60 * 60, UTC),
                "Value": value,
            }
        ],
    )


def put_tracking_policy(endpoints, service, metric: dict) -> dict:
    endpoints.client("application-autoscaling").put_scaling_policy(
        PolicyName="requests",
        ServiceNamespace="ecs",
        ResourceId=service["resource_id"],
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "ScaleOutCooldown": 300,
            "ScaleInCooldown": 300,
            **metric,
        },
    )
    (policy,) = endpoints.client("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=service["resource_id"]
    )["ScalingPolicies"]
    return policy


def minutes_of_load(minutes_clock, endpoints, evaluator, scaler, label, value, minutes) -> None:
    for _ in range(minutes):
        put_requests_per_target(endpoints, label, value)
        minutes_clock.next()
        evaluator.evaluate_once()
        scaler.run_once()


def alarm_states(endpoints, policy) -> dict[str, str]:
    names = [a["AlarmName"] for a in policy["Alarms"]]
    found = endpoints.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
    return {a["AlarmName"].split("-")[-6]: a["StateValue"] for a in found}


def test_the_high_alarm_scales_out_records_the_activity_and_waits_out_the_cooldown(
    endpoints, stack_clock, service, scaler
):
    # [application-auto-scaling-target-tracking; API reference: DescribeScalingActivities]
    spec = {"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": service["label"]}
    policy = put_tracking_policy(endpoints, service, {"PredefinedMetricSpecification": spec})
    evaluator = AlarmEvaluator(endpoints)
    scaler.run_once()  # gives the policy its alarms

    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 80, minutes=2)
    before_the_third_minute = desired(endpoints, service)
    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 80, minutes=1)

    assert before_the_third_minute == 2  # 3 of 3 periods must breach
    assert alarm_states(endpoints, policy)["AlarmHigh"] == "ALARM"
    assert desired(endpoints, service) == 4  # ceil(2 * 80 / 50)
    (activity,) = scaler.activities.describe("ecs", service["resource_id"])
    assert activity["Description"] == "Setting desired count to 4."
    assert activity["StatusCode"] == "Successful"
    assert "in state ALARM triggered policy requests" in activity["Cause"]

    # Still in ALARM a minute later, within the scale-out cooldown: the metric does not show
    # the added tasks yet and the same load asks for 4 again; nothing changes.
    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 80, minutes=1)
    assert desired(endpoints, service) == 4
    # Barely above the target, sized from the 2 tasks before the scale-out: 3, which a high
    # alarm never turns into a scale-in.
    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 51, minutes=1)
    assert desired(endpoints, service) == 4
    # More load: a larger scale-out goes ahead, capped at the max of 6.
    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 500, minutes=1)
    assert desired(endpoints, service) == 6
    assert len(scaler.activities.describe("ecs", service["resource_id"])) == 2


def test_a_policy_on_a_metric_nobody_publishes_never_scales(
    endpoints, stack_clock, service, scaler
):
    # The negative control: the same load, but the policy tracks the Classic Load Balancer's
    # namespace, where nothing is published; its alarms stay INSUFFICIENT_DATA.
    wrong = {
        "CustomizedMetricSpecification": {
            "Namespace": "AWS/ELB",
            "MetricName": "RequestCountPerTarget",
            "Statistic": "Sum",
            "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/api/6d0ecf83"}],
        }
    }
    policy = put_tracking_policy(endpoints, service, wrong)
    evaluator = AlarmEvaluator(endpoints)
    scaler.run_once()

    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 500, minutes=5)

    assert set(alarm_states(endpoints, policy).values()) == {"INSUFFICIENT_DATA"}
    assert desired(endpoints, service) == 2
    assert scaler.activities.describe("ecs", service["resource_id"]) == []


def test_step_scaling_applies_its_step_and_its_cooldown(endpoints, stack_clock, service, scaler):
    # [API reference: StepScalingPolicyConfiguration: StepAdjustments, Cooldown]
    autoscaling, cloudwatch = (
        endpoints.client("application-autoscaling"),
        endpoints.client("cloudwatch"),
    )
    arn = autoscaling.put_scaling_policy(
        PolicyName="step",
        ServiceNamespace="ecs",
        ResourceId=service["resource_id"],
        ScalableDimension=DIMENSION,
        PolicyType="StepScaling",
        StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity",
            "Cooldown": 300,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
        },
    )["PolicyARN"]
    load_balancer, _, target_group = service["label"].partition("/targetgroup/")
    cloudwatch.put_metric_alarm(
        AlarmName=f"step-{service['name']}",
        Namespace="AWS/ApplicationELB",
        MetricName="RequestCountPerTarget",
        Dimensions=[
            {"Name": "LoadBalancer", "Value": load_balancer},
            {"Name": "TargetGroup", "Value": f"targetgroup/{target_group}"},
        ],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=50,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[arn],
    )
    evaluator = AlarmEvaluator(endpoints)

    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 80, minutes=1)
    first = desired(endpoints, service)
    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 80, minutes=3)
    during_cooldown = desired(endpoints, service)
    minutes_of_load(stack_clock, endpoints, evaluator, scaler, service["label"], 80, minutes=3)

    assert (first, during_cooldown) == (3, 3)
    assert desired(endpoints, service) == 4  # the cooldown ended 300 s after the first step
