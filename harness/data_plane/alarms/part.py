"""CloudWatch alarms evaluated on the stack clock: every second, and at once when the clock
moves, each metric alarm of the emulator's CloudWatch is evaluated (evaluation.py); a change of
state is set through SetAlarmState, visible in DescribeAlarms and its history, and the alarm's
SNS actions for the new state are published to."""

from __future__ import annotations

import json
import logging

from harness.clock import clock
from harness.clock.ticker import ClockTicker
from harness.data_plane.alarms.evaluation import ALARM, OK, evaluate
from harness.data_plane.alarms.statistics import period_values

log = logging.getLogger("harness.data_plane.alarms")


class AlarmEvaluator:
    def __init__(self, endpoints, interval: float = 1.0) -> None:
        self.cloudwatch = endpoints.client("cloudwatch")
        self.sns = endpoints.client("sns")
        self.evaluations = 0
        self.transitions: list[dict] = []
        self._ticker = ClockTicker("alarms", self.evaluate_once, interval)

    @property
    def url(self) -> None:
        return None

    @property
    def last_error(self) -> str | None:
        return self._ticker.last_error

    def start(self) -> AlarmEvaluator:
        self._ticker.start()
        return self

    def stop(self) -> None:
        self._ticker.stop()

    def __enter__(self) -> AlarmEvaluator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def health(self) -> dict:
        return {
            "evaluations": self.evaluations,
            "recent_transitions": self.transitions[-5:],
            "last_error": self.last_error,
        }

    def evaluate_once(self) -> int:
        changed = 0
        pages = self.cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmTypes=["MetricAlarm"]
        )
        for page in pages:
            for alarm in page["MetricAlarms"]:
                if "MetricName" in alarm:  # metric-math alarms are not evaluated here
                    changed += self._evaluate(alarm)
        self.evaluations += 1
        return changed

    def _evaluate(self, alarm: dict) -> int:
        now = clock.now()
        values = period_values(self.cloudwatch, alarm, now)
        state = evaluate(alarm, values)
        if state == alarm["StateValue"]:
            return 0
        reason = f"Threshold Crossed: {values} against {alarm['Threshold']} (stack clock)"
        self.cloudwatch.set_alarm_state(
            AlarmName=alarm["AlarmName"],
            StateValue=state,
            StateReason=reason,
            StateReasonData=json.dumps({"values": values}),
        )
        self.transitions = [
            *self.transitions[-19:],
            {"alarm": alarm["AlarmName"], "from": alarm["StateValue"], "to": state, "at": now},
        ]
        log.info("alarms: %s %s -> %s", alarm["AlarmName"], alarm["StateValue"], state)
        actions = {ALARM: "AlarmActions", OK: "OKActions"}.get(state, "InsufficientDataActions")
        for arn in alarm.get(actions, []):
            if arn.startswith("arn:aws:sns:") and alarm.get("ActionsEnabled", True):
                self.sns.publish(
                    TopicArn=arn,
                    Subject=f"ALARM: {alarm['AlarmName']}"[:100],
                    Message=json.dumps(
                        {
                            "AlarmName": alarm["AlarmName"],
                            "NewStateValue": state,
                            "NewStateReason": reason,
                        }
                    ),
                )
        return 1
