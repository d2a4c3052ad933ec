"""CloudWatch: the alarm on the API's 5xx answers behind the ALB, notifying the alerts topic.
HTTPCode_Target_5XX_Count is only reported when non-zero (ALB user guide,
load-balancer-cloudwatch-metrics), so a minute without a datapoint is not breaching."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint


def provision_monitoring(cloudwatch, sns, bp: Blueprint, made: dict) -> dict:
    topic_arn = sns.create_topic(Name=bp.alerts_topic)["TopicArn"]
    load_balancer = made["load_balancer_arn"].split(":loadbalancer/", 1)[1]
    cloudwatch.put_metric_alarm(
        AlarmName=bp.api_5xx_alarm,
        AlarmDescription="The API answers 5xx behind the load balancer",
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Dimensions=[{"Name": "LoadBalancer", "Value": load_balancer}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=bp.api_5xx_threshold,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic_arn],
        OKActions=[topic_arn],
    )
    return {}
