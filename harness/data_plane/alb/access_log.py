"""The ALB's access log: one line per request, in the field order AWS documents.

Fields, as in "Access log entries" of the ALB user guide
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html):
type time elb client:port target:port request_processing_time target_processing_time
response_processing_time elb_status_code target_status_code received_bytes sent_bytes "request"
"user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name" "chosen_cert_arn"
matched_rule_priority request_creation_time "actions_executed" "redirect_url" "error_reason"
"target:port_list" "target_status_code_list" "classification" "classification_reason"
conn_trace_id

AWS may append fields at the end of a line; the harness appends one, the request id the edge
sent (`X-Amz-Cf-Id`, else `X-Request-Id`), quoted, so a request joins across the edge's, the
ALB's and the task's logs.

`time` and `request_creation_time` are on the stack clock as it was when the request arrived,
as every time AWS stamps is: CloudWatch counts a request in the minute it arrived in
(metrics.py), even when the clock is advanced before the line is written. The processing
times stay real spans.
"""

from __future__ import annotations

import math
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from harness.clock import clock

FILE_NAME = "alb-access.log"


@dataclass
class AccessRecord:
    started: float  # epoch seconds when the request arrived
    client: tuple[str, int]
    method: str
    url: str
    http_version: str
    user_agent: str
    trace_id: str
    request_id: str
    received_bytes: int = 0
    target: str | None = None  # "ip:port", or None when no target was chosen
    target_started: float | None = None
    response_started: float | None = None
    elb_status: int = 0
    target_status: int | None = None
    sent_bytes: int = 0
    error_reason: str | None = None
    # The stack clock's offset when the request arrived: what its logged times are shifted by.
    clock_offset: float = field(default_factory=clock.offset)


_last_second: tuple[float, str] = (float("nan"), "")  # the whole second last formatted, its text


def _time(epoch: float) -> str:
    """ISO 8601 to the microsecond, rounded as datetime.fromtimestamp rounds (half to even);
    strftime only once a second: it cost more than the rest of the line."""
    fraction, whole = math.modf(epoch)
    micro = round(fraction * 1e6)
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    elif micro < 0:
        whole, micro = whole - 1, micro + 1_000_000
    global _last_second
    second, text = _last_second  # (one tuple, swapped whole: safe from any thread)
    if whole != second:
        text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _last_second = (whole, text)
    return f"{text}.{micro:06d}Z"


def _q(value: str | None) -> str:
    return '"' + (value or "-").replace('"', "%22") + '"'


def _seconds(start: float | None, end: float | None) -> str:
    if start is None or end is None:
        return "-1"
    return f"{max(0.0, end - start):.3f}"


def format_line(record: AccessRecord, *, elb: str, target_group_arn: str, ended: float) -> str:
    """One access-log line. Processing times are -1 when no target answered, as AWS writes."""
    answered = record.target_status is not None
    request_processing = _seconds(record.started, record.target_started)
    target_processing = (
        _seconds(record.target_started, record.response_started) if answered else "-1"
    )
    response_processing = _seconds(record.response_started, ended) if answered else "-1"
    if not answered:
        request_processing = "-1"
    target_status = str(record.target_status) if answered else "-"
    fields = [
        "http",
        _time(ended + record.clock_offset),
        elb,
        f"{record.client[0]}:{record.client[1]}",
        record.target or "-",
        request_processing,
        target_processing,
        response_processing,
        str(record.elb_status),
        target_status,
        str(record.received_bytes),
        str(record.sent_bytes),
        _q(f"{record.method} {record.url} HTTP/{record.http_version}"),
        _q(record.user_agent),
        "-",
        "-",
        target_group_arn,
        _q(record.trace_id),
        _q(None),
        _q(None),
        "0",
        _time(record.started + record.clock_offset),
        _q("forward"),
        _q(None),
        _q(record.error_reason),
        _q(record.target),
        _q(target_status if answered else None),
        _q(None),
        _q(None),
        "TID_" + random.randbytes(16).hex(),  # not secrets: see app.new_trace_id
        _q(record.request_id),
    ]
    return " ".join(fields)


_FIELD = re.compile(r'"([^"]*)"|(\S+)')


def split_line(line: str) -> list[str]:
    """A line's fields, quotes removed: what `format_line` wrote (a quote inside a value is
    written as %22, so a quoted field ends at the next quote). shlex.split gives the same
    fields at about 40 times the CPU, which the harness's process cannot spare per request."""
    return [bare or quoted for quoted, bare in _FIELD.findall(line)]


def elb_name(load_balancer_arn: str | None) -> str:
    """`app/<name>/<id>`, the resource part of the load balancer's ARN, as AWS logs it."""
    if load_balancer_arn and ":loadbalancer/" in load_balancer_arn:
        return load_balancer_arn.split(":loadbalancer/", 1)[1]
    return "-"


class AccessLog:
    """Writes lines to `<log_dir>/alb-access.log`; a no-op without a log directory. Each line
    is flushed as written (metrics.py reads the file), straight to the file: the logging
    module's record, caller lookup and formatting cost the ALB's thread more than the line."""

    def __init__(self, log_dir: Path | None, target_group_arn: str) -> None:
        self.target_group_arn = target_group_arn
        self.elb = "-"
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if log_dir is not None:
            path = Path(log_dir) / FILE_NAME
            self._file = path.open("a", encoding="utf-8", errors="backslashreplace")

    def write(self, record: AccessRecord, ended: float) -> None:
        if self._file is None:
            return
        line = format_line(
            record, elb=self.elb, target_group_arn=self.target_group_arn, ended=ended
        )
        with self._lock:
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            file, self._file = self._file, None
        if file is not None:
            file.close()
