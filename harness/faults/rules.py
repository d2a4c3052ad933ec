"""A fault rule: where it applies (the hop, and optionally a path, target, service or
operation), what it does, and to which share of the requests."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, fields

from harness.errors import ConfigError

# viewer->edge, edge->ALB, ALB->task, task->AWS API; plus a task's health check and an SNS
# delivery to a fan's device.
HOPS = ("viewer-edge", "edge-alb", "alb-task", "aws", "health-check", "sns-delivery")
# latency: added before the hop answers; status: the hop answers this status; reset: the
# connection breaks mid-answer; timeout: nothing comes back until the caller gives up;
# throttle: an AWS API's own throttling error, in its wire format.
KINDS = ("latency", "status", "reset", "timeout", "throttle")
STATUSES = (500, 502, 503, 504)
KINDS_BY_HOP = {
    "viewer-edge": ("latency", "status", "reset", "timeout"),
    "edge-alb": ("latency", "status", "reset", "timeout"),
    "alb-task": ("latency", "status", "reset", "timeout"),
    # No reset here: through ASGI a reset can only follow a status line, and botocore takes
    # a 200 with a cut body for a success; a fault must not stage what no network does.
    "aws": ("latency", "status", "throttle"),
    "health-check": ("status", "timeout"),
    "sns-delivery": ("status",),
}


@dataclass
class Fault:
    hop: str
    kind: str
    latency_ms: int = 0
    status: int | None = None
    path: str | None = None  # a path prefix, for the HTTP hops
    target: str | None = None  # "ip:port" of a task, or a device id for sns-delivery
    service: str | None = None  # aws: the signing name (dynamodb, sns, ...)
    operation: str | None = None  # aws: PutItem, Publish, ...
    probability: float = 1.0
    every_nth: int = 0  # 0: by probability; N: the 1st, N+1th, 2N+1th ... matching request
    id: str = ""

    def describe(self) -> str:
        where = [self.hop]
        where += [
            f"{k}={v}"
            for k in ("path", "target", "service", "operation")
            if (v := getattr(self, k))
        ]
        what = self.kind
        if self.kind == "latency":
            what += f" {self.latency_ms} ms"
        elif self.status:
            what += f" {self.status}"
        share = f"every {self.every_nth}th" if self.every_nth else f"p={self.probability:g}"
        return f"{self.id}: {' '.join(where)}: {what} ({share})"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: dict) -> Fault:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})


def _number(flag: str, value, kind=float, low=None, high=None):
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(flag, f"{value!r} is not a number") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise ConfigError(flag, f"{value!r} is outside {low}-{high}")
    return number


def new_fault(hop: str, kind: str, **options) -> Fault:
    """A checked rule; a bad value is one ConfigError naming the option."""
    if hop not in HOPS:
        raise ConfigError("--hop", f"{hop!r} is not one of {', '.join(HOPS)}")
    if kind not in KINDS_BY_HOP[hop]:
        raise ConfigError("--kind", f"{kind!r} on {hop}: one of {', '.join(KINDS_BY_HOP[hop])}")
    fault = Fault(hop=hop, kind=kind, id=options.pop("id", None) or uuid.uuid4().hex[:8])
    for name in ("path", "target", "service", "operation"):
        setattr(fault, name, options.get(name) or None)
    fault.probability = _number("--probability", options.get("probability", 1.0), float, 0, 1)
    fault.every_nth = _number("--every-nth", options.get("every_nth", 0) or 0, int, 0, 10_000)
    if kind in ("latency", "timeout"):
        default = 0 if kind == "latency" else 3_600_000
        fault.latency_ms = _number(
            "--latency-ms", options.get("latency_ms", default) or default, int, 0, 3_600_000
        )
        if kind == "latency" and not fault.latency_ms:
            raise ConfigError("--latency-ms", "a latency fault needs --latency-ms above 0")
    if kind == "status":
        status = options.get("status")
        allowed = STATUSES if hop != "health-check" else (*STATUSES, 404)
        if status is None or _number("--status", status, int) not in allowed:
            raise ConfigError("--status", f"{status!r}: one of {', '.join(map(str, allowed))}")
        fault.status = int(status)
    if kind == "throttle" and not fault.service:
        raise ConfigError("--service", "a throttle fault names the AWS service (e.g. dynamodb)")
    if hop == "aws" and fault.operation and not fault.service:
        raise ConfigError("--service", "an --operation needs its --service")
    return fault
