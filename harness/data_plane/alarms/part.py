"""CloudWatch alarms evaluated on the stack clock: every second, and at once when the clock
moves, each metric alarm of the emulator's CloudWatch is evaluated (evaluation.py); a change of
state is set through SetAlarmState, visible in DescribeAlarms and its history, and the alarm's
SNS actions for the new state are published to."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime

from harness.clock import clock
from harness.data_plane.alarms.evaluation import ALARM, OK, evaluate, windows

log = logging.getLogger("harness.data_plane.alarms")

WATCH = 0.2


class AlarmEvaluator:
    def __init__(self, endpoints, interval: float = 1.0) -> None:
        self.cloudwatch = endpoints.client("cloudwatch")
        self.sns = endpoints.client("sns")
        self.interval = interval
        self.evaluations = 0
        self.transitions: list[dict] = []
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> None:
        return None

    def start(self) -> AlarmEvaluator:
        self._thread = threading.Thread(target=self._run, name="alarms", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

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

    def _run(self) -> None:
        seen, waited = None, self.interval
        while not self._stop.is_set():
            offset = clock.offset()
            if offset != seen or waited >= self.interval:
                seen, waited = offset, 0.0
                try:
                    self.evaluate_once()
                except Exception as exc:  # noqa: BLE001 - the next pass tries again
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("alarms: %s", self.last_error)
            self._stop.wait(WATCH)
            waited += WATCH

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
        stat = alarm.get("Statistic") or "Average"
        values = []
        for start, end in windows(now, alarm["Period"], alarm["EvaluationPeriods"]):
            answer = self.cloudwatch.get_metric_statistics(
                Namespace=alarm["Namespace"],
                MetricName=alarm["MetricName"],
                Dimensions=alarm.get("Dimensions", []),
                StartTime=datetime.fromtimestamp(start, UTC),
                EndTime=datetime.fromtimestamp(end, UTC),
                Period=alarm["Period"],
                Statistics=[stat],
            )
            points = [p[stat] for p in answer["Datapoints"]]
            values.append(_combine(stat, points))
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


def _combine(stat: str, points: list[float]) -> float | None:
    """One period may come back as several datapoints from the emulator; fold them."""
    if not points:
        return None
    return {"Sum": sum, "Maximum": max, "Minimum": min, "SampleCount": sum}.get(
        stat, lambda p: sum(p) / len(p)
    )(points)
