"""One reader of the deregistration delay, for the ALB and the ECS agent alike.

AWS's default is 300 seconds: "Deregistration delay", Target groups for your Application Load
Balancers (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay).
"""

from harness.data_plane.alb.config import deregistration_delay


def test_the_attribute_wins_when_set():
    attributes = [
        {"Key": "stickiness.enabled", "Value": "false"},
        {"Key": "deregistration_delay.timeout_seconds", "Value": "5"},
    ]
    assert deregistration_delay(attributes) == 5.0


def test_without_the_attribute_it_is_aws_default_of_300_seconds():
    assert deregistration_delay([{"Key": "stickiness.enabled", "Value": "false"}]) == 300.0
