"""A target group's settings and registered targets, read back through the elbv2 API."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_IDLE_TIMEOUT = 60.0
DEFAULT_DEREGISTRATION_DELAY = 300.0


@dataclass(frozen=True, order=True)
class TargetAddress:
    """A registered target: elbv2's `Id` (an IP address, target type ip) and `Port`."""

    ip: str
    port: int

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class SuccessCodes:
    """A health-check Matcher: "200", "200,202" or "200-299"."""

    ranges: tuple[tuple[int, int], ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> SuccessCodes:
        ranges = []
        for part in text.replace(" ", "").split(","):
            low, _, high = part.partition("-")
            ranges.append((int(low), int(high or low)))
        return cls(tuple(ranges), text)

    def __contains__(self, code: int) -> bool:
        return any(low <= code <= high for low, high in self.ranges)


@dataclass(frozen=True)
class HealthCheckSettings:
    enabled: bool
    path: str
    port: str  # "traffic-port" or a port number
    interval: float
    timeout: float
    healthy_threshold: int
    unhealthy_threshold: int
    success_codes: SuccessCodes

    def port_for(self, target: TargetAddress) -> int:
        return target.port if self.port == "traffic-port" else int(self.port)


@dataclass(frozen=True)
class TargetGroupSettings:
    arn: str
    name: str
    port: int
    health_check: HealthCheckSettings
    deregistration_delay: float
    load_balancer_arns: tuple[str, ...]


def deregistration_delay(attributes: list[dict]) -> float:
    """`deregistration_delay.timeout_seconds` from a target group's attributes, else AWS's
    default of 300 s (Elastic Load Balancing user guide, "Deregistration delay")."""
    for attribute in attributes:
        if attribute["Key"] == "deregistration_delay.timeout_seconds":
            return float(attribute["Value"])
    return DEFAULT_DEREGISTRATION_DELAY


def read_deregistration_delay(elbv2, arn: str) -> float:
    attributes = elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
    return deregistration_delay(attributes)


def read_target_group(elbv2, arn: str) -> TargetGroupSettings:
    group = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    attributes = elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
    health_check = HealthCheckSettings(
        enabled=group.get("HealthCheckEnabled", True),
        path=group.get("HealthCheckPath") or "/",
        port=str(group.get("HealthCheckPort") or "traffic-port"),
        interval=float(group.get("HealthCheckIntervalSeconds", 30)),
        timeout=float(group.get("HealthCheckTimeoutSeconds", 5)),
        healthy_threshold=int(group.get("HealthyThresholdCount", 5)),
        unhealthy_threshold=int(group.get("UnhealthyThresholdCount", 2)),
        success_codes=SuccessCodes.parse(group.get("Matcher", {}).get("HttpCode") or "200"),
    )
    return TargetGroupSettings(
        arn=arn,
        name=group["TargetGroupName"],
        port=int(group.get("Port") or 80),
        health_check=health_check,
        deregistration_delay=deregistration_delay(attributes),
        load_balancer_arns=tuple(group.get("LoadBalancerArns", ())),
    )


def read_registered_targets(elbv2, arn: str, default_port: int) -> set[TargetAddress]:
    """The registered Id/Port pairs. The backend's own health State is ignored: emulators
    report every target healthy, real health comes from our own checks."""
    descriptions = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    return {
        TargetAddress(d["Target"]["Id"], int(d["Target"].get("Port") or default_port))
        for d in descriptions
        if d.get("TargetHealth", {}).get("State") not in ("draining", "unused")
    }


def read_idle_timeout(elbv2, load_balancer_arns: tuple[str, ...]) -> float:
    """The load balancer's `idle_timeout.timeout_seconds`, or AWS's default of 60 s."""
    for lb_arn in load_balancer_arns:
        attributes = elbv2.describe_load_balancer_attributes(LoadBalancerArn=lb_arn)["Attributes"]
        for attribute in attributes:
            if attribute["Key"] == "idle_timeout.timeout_seconds":
                return float(attribute["Value"])
    return DEFAULT_IDLE_TIMEOUT
