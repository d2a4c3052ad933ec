"""The Application Auto Scaling loop: a pass reads the scalable targets and policies, gives
target-tracking policies their alarms, and executes each policy whose alarm is in ALARM. As
CloudWatch does for Auto Scaling actions [AlarmThatSendsEmail: "alarm actions"], the action is
invoked when the alarm enters ALARM and again every minute it stays there. A policy sets the
ECS service's desired count (UpdateService) within the target's min and max and its cooldowns;
each change is a scaling activity (activities.py)."""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError

from harness.clock import clock
from harness.data_plane.alarms.evaluation import ALARM
from harness.data_plane.alarms.statistics import period_values
from harness.data_plane.autoscaling.activities import ActivityLog
from harness.data_plane.autoscaling.config import ScalingConfig
from harness.data_plane.autoscaling.cooldowns import ECS_DEFAULT_COOLDOWN, Cooldowns
from harness.data_plane.autoscaling.step_scaling import step_capacity
from harness.data_plane.autoscaling.target_tracking import desired_capacity

log = logging.getLogger("harness.data_plane.autoscaling")

INVOKE_PERIOD = 60  # an alarm in ALARM invokes its action once per minute of the stack clock


class ScalingLoop:
    def __init__(self, autoscaling, cloudwatch, ecs) -> None:
        self.config = ScalingConfig(autoscaling, cloudwatch)
        self.cloudwatch = cloudwatch
        self.ecs = ecs
        self.activities = ActivityLog()
        self._cooldowns: dict[tuple[str, str], Cooldowns] = {}
        self._invoked: dict[str, int] = {}  # alarm name -> the stack minute last invoked in

    def run_once(self) -> int:
        """One pass; returns how many scaling activities it started. Cooldowns are spans of
        clock.monotonic(), which a clock put back (after a test) does not stretch."""
        now = clock.monotonic()
        minute = int(clock.now() // INVOKE_PERIOD)
        targets = self.config.scalable_targets()
        policies = self.config.policies()
        for policy in policies:
            if policy["PolicyType"] == "TargetTrackingScaling":
                self.config.manage_alarms(policy)
        by_arn = {p["PolicyARN"]: p for p in policies}
        started = 0
        for alarm in self.config.alarms():
            name = alarm["AlarmName"]
            if alarm["StateValue"] != ALARM or not alarm.get("ActionsEnabled", True):
                self._invoked.pop(name, None)
                continue
            if self._invoked.get(name) == minute:
                continue
            for arn in alarm.get("AlarmActions", []):
                policy = by_arn.get(arn)
                if policy is None:
                    continue
                self._invoked[name] = minute
                target = targets.get((policy["ResourceId"], policy["ScalableDimension"]))
                if target is not None:
                    started += self._execute(policy, alarm, target, now)
        return started

    def _execute(self, policy: dict, alarm: dict, target: dict, now: float) -> int:
        values = [v for v in period_values(self.cloudwatch, alarm, clock.now()) if v is not None]
        if not values:
            return 0
        value = values[-1]
        _, cluster, service = policy["ResourceId"].split("/")
        (described,) = self.ecs.describe_services(cluster=cluster, services=[service])["services"]
        current = described["desiredCount"]
        cooldowns = self._cooldowns.setdefault(
            (policy["ResourceId"], policy["ScalableDimension"]), Cooldowns()
        )
        # During a scale-out cooldown the metric does not show the added capacity yet, which
        # counts as part of the desired capacity: a policy sizes from the capacity before it.
        base = cooldowns.scale_out_base(now, current)
        if policy["PolicyType"] == "TargetTrackingScaling":
            config = policy["TargetTrackingScalingPolicyConfiguration"]
            high = alarm["ComparisonOperator"].startswith("Greater")
            if not high and config.get("DisableScaleIn"):
                return 0
            proposed = desired_capacity(
                base if high else current, value, config["TargetValue"], high=high
            )
            outward = high
            cooldown = config.get(
                "ScaleOutCooldown" if high else "ScaleInCooldown", ECS_DEFAULT_COOLDOWN
            )
        else:
            config = policy["StepScalingPolicyConfiguration"]
            proposed = step_capacity(current, config, value - alarm["Threshold"])
            if proposed is None:
                return 0
            outward = proposed > current
            if outward:
                proposed = step_capacity(base, config, value - alarm["Threshold"])
            cooldown = config.get("Cooldown", ECS_DEFAULT_COOLDOWN)
        new = min(max(proposed, target["MinCapacity"]), target["MaxCapacity"])
        if outward and new <= current:
            return 0  # what the cooldown's scale-out already added covers it
        suspended = target.get("SuspendedState") or {}
        if (new > current and suspended.get("DynamicScalingOutSuspended")) or (
            new < current and suspended.get("DynamicScalingInSuspended")
        ):
            return 0
        if not cooldowns.allows(now, current, new):
            return 0
        self._set_desired_count(policy, alarm, cluster, service, new)
        cooldowns.record(now, current, new, cooldown)
        return 1

    def _set_desired_count(self, policy, alarm, cluster, service, new) -> None:
        started = clock.now()
        status, message = (
            "Successful",
            (f"Successfully set desired count to {new}. Change successfully fulfilled by ecs."),
        )
        try:
            self.ecs.update_service(cluster=cluster, service=service, desiredCount=new)
        except ClientError as exc:
            status, message = "Failed", f"Failed to set desired count to {new}: {exc}"
        self.activities.add(
            ServiceNamespace="ecs",
            ResourceId=policy["ResourceId"],
            ScalableDimension=policy["ScalableDimension"],
            Description=f"Setting desired count to {new}.",
            Cause=(
                f"monitor alarm {alarm['AlarmName']} in state ALARM triggered policy "
                f"{policy['PolicyName']}"
            ),
            StartTime=started,
            EndTime=clock.now(),
            StatusCode=status,
            StatusMessage=message,
        )
        log.info("autoscaling: %s desired count -> %d (%s)", policy["ResourceId"], new, status)
