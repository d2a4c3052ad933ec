"""An alarm in the emulator's CloudWatch goes to ALARM on the stack clock and notifies its SNS
topic; a metric nobody publishes leaves it INSUFFICIENT_DATA (TreatMissingData `missing`)."""

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from harness.data_plane.alarms import AlarmEvaluator


@pytest.fixture
def endpoints(endpoints):
    """The session's emulator in a region of this module's own: a stack started in the same
    worker shares the emulator's state (moto keeps it per process), and that stack's own
    alarm evaluator would act on what these tests make in its region too."""
    return replace(endpoints, region="eu-north-1")


@pytest.fixture
def topic_queue(endpoints):
    sns, sqs = endpoints.client("sns"), endpoints.client("sqs")
    topic = sns.create_topic(Name=f"alarms-{uuid.uuid4().hex[:6]}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"alarms-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["QueueArn"])
    return topic, sqs, queue


def put_alarm(cloudwatch, name, metric, topic):
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName=metric,
        Dimensions=[{"Name": "LoadBalancer", "Value": "app/x/1"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=2,
        DatapointsToAlarm=2,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )


def test_breaching_minutes_raise_the_alarm_and_notify(endpoints, stack_clock, topic_queue):
    topic, sqs, queue = topic_queue
    cloudwatch = endpoints.client("cloudwatch")
    name = f"5xx-{uuid.uuid4().hex[:6]}"
    put_alarm(cloudwatch, name, "HTTPCode_Target_5XX_Count", topic)
    evaluator = AlarmEvaluator(endpoints)
    for _ in range(2):  # two breaching minutes
        cloudwatch.put_metric_data(
            Namespace="AWS/ApplicationELB",
            MetricData=[
                {
                    "MetricName": "HTTPCode_Target_5XX_Count",
                    "Dimensions": [{"Name": "LoadBalancer", "Value": "app/x/1"}],
                    "Timestamp": datetime.fromtimestamp(stack_clock.now(), UTC),
                    "Value": 9,
                }
            ],
        )
        stack_clock.advance(60)

    evaluator.evaluate_once()

    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert alarm["StateValue"] == "ALARM"
    (message,) = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"]
    assert json.loads(json.loads(message["Body"])["Message"])["AlarmName"] == name


def test_an_alarm_on_a_metric_nobody_publishes_never_alarms(endpoints, stack_clock, topic_queue):
    topic, _, _ = topic_queue
    cloudwatch = endpoints.client("cloudwatch")
    name = f"wrong-{uuid.uuid4().hex[:6]}"
    put_alarm(cloudwatch, name, "RequestsPerMinuteThatDoesNotExist", topic)
    stack_clock.advance(3600)

    AlarmEvaluator(endpoints).evaluate_once()

    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert alarm["StateValue"] == "INSUFFICIENT_DATA"


@pytest.mark.parametrize("period", [60, 10])
def test_an_alarm_is_evaluated_once_per_minute_or_every_10_seconds_as_cloudwatch_does(
    endpoints, stack_clock, period
):
    # [AlarmThatSendsEmail] "If the alarm period is 10 seconds or 30 seconds, the alarm is
    # evaluated every 10 seconds"; one of a minute or more, every minute. Breaching data lands
    # in the span the alarm was just evaluated in: it shows at the alarm's next evaluation,
    # not at a pass before it.
    cloudwatch = endpoints.client("cloudwatch")
    name = f"cadence-{period}-{uuid.uuid4().hex[:6]}"
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Dimensions=[{"Name": "LoadBalancer", "Value": f"app/{name}/1"}],
        Statistic="Sum",
        Period=period,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
    )
    stack_clock.advance(60 - stack_clock.now() % 60 + 1)  # a second into a minute
    span = stack_clock.now() // period * period
    evaluator = AlarmEvaluator(endpoints)
    evaluator.evaluate_once()
    for start in (span - period, span):
        cloudwatch.put_metric_data(
            Namespace="AWS/ApplicationELB",
            MetricData=[
                {
                    "MetricName": "HTTPCode_Target_5XX_Count",
                    "Dimensions": [{"Name": "LoadBalancer", "Value": f"app/{name}/1"}],
                    "Timestamp": datetime.fromtimestamp(start, UTC),
                    "Value": 9,
                    "StorageResolution": 1 if period < 60 else 60,
                }
            ],
        )

    def state() -> str:
        (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        return alarm["StateValue"]

    evaluator.evaluate_once()  # the same span: not evaluated again
    assert state() == "INSUFFICIENT_DATA"
    # Halfway through the span (the clock runs on in real time while the calls above are
    # answered: a loaded machine took more than a second, so not at its last second)
    stack_clock.advance(period // 2 - 1)
    evaluator.evaluate_once()
    assert state() == "INSUFFICIENT_DATA"
    stack_clock.advance(span + period + 1 - stack_clock.now())  # the next span: evaluated
    evaluator.evaluate_once()
    assert state() == "ALARM"
