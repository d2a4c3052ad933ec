"""CloudWatch alarms evaluated on the stack clock, as often as CloudWatch evaluates them: an
alarm whose period is a minute or more once a minute, one of 10 or 30 seconds every 10 seconds
[AlarmThatSendsEmail]. A pass looks every 10 seconds of stack time (and at once when the clock
moves) and evaluates each metric alarm that has entered a new minute (or 10 seconds) since it
was last evaluated, or has never been, or was redefined (evaluation.py). A change of state is
set through SetAlarmState, visible in DescribeAlarms and its history, and the alarm's SNS
actions for the new state are published to. `then` is called after each pass: alarm actions
(Auto Scaling's) are invoked on evaluation."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from harness.clock import clock
from harness.clock.ticker import ClockTicker
from harness.data_plane.alarms.evaluation import ALARM, OK, evaluate
from harness.data_plane.alarms.statistics import period_values

log = logging.getLogger("harness.data_plane.alarms")

HIGH_RESOLUTION_EVERY = 10  # seconds between evaluations of a 10 or 30 s alarm
STANDARD_EVERY = 60  # of an alarm whose period is a minute or more


def evaluated_every(alarm: dict) -> int:
    """[AlarmThatSendsEmail] "If the alarm period is 10 seconds or 30 seconds, the alarm is
    evaluated every 10 seconds"; otherwise every minute."""
    return HIGH_RESOLUTION_EVERY if alarm.get("Period", 60) < 60 else STANDARD_EVERY


class AlarmEvaluator:
    def __init__(self, endpoints, then: Callable[[], None] | None = None) -> None:
        self.cloudwatch = endpoints.internal_client("cloudwatch")
        self.sns = endpoints.internal_client("sns")
        self.then = then
        self.evaluations = 0
        self.evaluated_at: float | None = None  # the stack time the latest pass began at
        self.transitions: list[dict] = []
        self._last: dict[str, tuple[str, int]] = {}  # alarm -> (its version, span evaluated in)
        self._ticker = ClockTicker("alarms", self.evaluate_once, HIGH_RESOLUTION_EVERY)

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
            "evaluated_at": self.evaluated_at,
            "recent_transitions": self.transitions[-5:],
            "last_error": self.last_error,
        }

    def evaluate_once(self) -> int:
        """One pass: evaluates the alarms that are due; returns how many changed state."""
        began = clock.now()
        changed = 0
        pages = self.cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmTypes=["MetricAlarm"]
        )
        seen = set()
        for page in pages:
            for alarm in page["MetricAlarms"]:
                if "MetricName" not in alarm:  # metric-math alarms are not evaluated here
                    continue
                name = alarm["AlarmName"]
                seen.add(name)
                version = str(alarm.get("AlarmConfigurationUpdatedTimestamp"))
                span = int(began // evaluated_every(alarm))
                if self._last.get(name) != (version, span):
                    self._last[name] = (version, span)
                    changed += self._evaluate(alarm)
        for gone in self._last.keys() - seen:
            del self._last[gone]
        self.evaluations += 1
        self.evaluated_at = began
        if self.then is not None:
            self.then()
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
