"""What Application Auto Scaling knows, read through its API: the ECS scalable targets and
their scaling policies; and the alarms of target-tracking policies, which Application Auto
Scaling creates and manages (target_tracking.py). moto creates such alarms on CPU for every
ECS policy whatever its metric, so the harness (re)defines them, under the names the policy
lists, once per policy version."""

from __future__ import annotations

import json
import uuid

from harness.data_plane.autoscaling.target_tracking import HIGH, LOW, alarm_definitions

NAMESPACE = "ecs"


class ScalingConfig:
    def __init__(self, autoscaling, cloudwatch) -> None:
        self.autoscaling = autoscaling
        self.cloudwatch = cloudwatch
        self._managed: dict[str, tuple[str, list[str]]] = {}  # policy key -> (version, alarms)

    def scalable_targets(self) -> dict[tuple[str, str], dict]:
        pages = self.autoscaling.get_paginator("describe_scalable_targets").paginate(
            ServiceNamespace=NAMESPACE
        )
        return {
            (t["ResourceId"], t["ScalableDimension"]): t
            for page in pages
            for t in page["ScalableTargets"]
        }

    def policies(self) -> list[dict]:
        pages = self.autoscaling.get_paginator("describe_scaling_policies").paginate(
            ServiceNamespace=NAMESPACE
        )
        return [p for page in pages for p in page["ScalingPolicies"]]

    def manage_alarms(self, policy: dict) -> None:
        """Give a target-tracking policy the alarms AWS would give it."""
        key = f"{policy['ResourceId']}|{policy['ScalableDimension']}|{policy['PolicyName']}"
        config = policy["TargetTrackingScalingPolicyConfiguration"]
        version = policy["PolicyARN"] + json.dumps(config, sort_keys=True, default=str)
        known = self._managed.get(key)
        if known and known[0] == version:
            return
        names = {}
        for alarm in policy.get("Alarms", []):
            for kind in (HIGH, LOW):
                if f"-{kind}-" in alarm["AlarmName"]:
                    names[kind] = alarm["AlarmName"]
        for kind in (HIGH, LOW):
            names.setdefault(kind, f"TargetTracking-{policy['ResourceId']}-{kind}-{uuid.uuid4()}")
        definitions = alarm_definitions(policy, names)
        stale = [n for n in (known[1] if known else []) if n not in names.values()]
        stale += [n for kind, n in names.items() if kind not in definitions]
        if stale:
            self.cloudwatch.delete_alarms(AlarmNames=stale)
        for definition in definitions.values():
            self.cloudwatch.put_metric_alarm(**definition)
        self._managed[key] = (version, [d["AlarmName"] for d in definitions.values()])

    def alarms(self) -> list[dict]:
        pages = self.cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmTypes=["MetricAlarm"]
        )
        return [a for page in pages for a in page["MetricAlarms"]]
