"""A distribution's configuration as the CloudFront API returns it, parsed into frozen data."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from harness.data_plane.edge import cache_policy, origin_request_policy, path_pattern
from harness.data_plane.edge.cache_policy import CachePolicy, items
from harness.data_plane.edge.origin_request_policy import OriginRequestPolicy

if TYPE_CHECKING:
    from harness.data_plane.edge.functions.runtime import EdgeFunction

DEFAULT_PATTERN = "*"
S3_DOMAIN = re.compile(
    r"^(?P<bucket>.+?)\.s3(?:-website)?(?:[.-](?P<region>[a-z]{2}(?:-[a-z]+)+-\d))?\.amazonaws\.com$"
)


class PolicyNotFound(Exception):
    """A behaviour names a policy (neither managed nor returned by the API) or a function
    with no LIVE stage."""


@dataclass(frozen=True)
class Origin:
    id: str
    domain_name: str
    origin_path: str
    bucket: str | None  # set for S3 origins
    read_timeout: float
    connect_timeout: float
    custom_headers: tuple[tuple[str, str], ...]
    keepalive_timeout: float = 5.0  # OriginKeepaliveTimeout, CloudFront's default

    @property
    def is_s3(self) -> bool:
        return self.bucket is not None


@dataclass(frozen=True)
class Behaviour:
    path_pattern: str
    target_origin_id: str
    allowed_methods: frozenset[str]
    cached_methods: frozenset[str]
    cache_policy: CachePolicy | None
    origin_request_policy: OriginRequestPolicy | None
    config_error: str | None = None
    compress: bool = False
    viewer_protocol: str = "allow-all"  # ViewerProtocolPolicy
    # CloudFront Functions by event type ("viewer-request", "viewer-response").
    functions: Mapping[str, EdgeFunction] = field(default_factory=dict)

    def describe(self) -> dict:
        return {
            "path_pattern": self.path_pattern,
            "origin": self.target_origin_id,
            "cache_policy": self.cache_policy.describe() if self.cache_policy else None,
            "origin_request_policy": (
                self.origin_request_policy.name if self.origin_request_policy else None
            ),
            "allowed_methods": sorted(self.allowed_methods),
            "viewer_protocol_policy": self.viewer_protocol,
            "error": self.config_error,
            "functions": {kind: f.name for kind, f in self.functions.items()},
        }


@dataclass(frozen=True)
class ErrorResponse:
    error_code: int
    page_path: str | None
    response_code: int | None
    caching_min_ttl: int


@dataclass(frozen=True)
class Distribution:
    id: str
    etag: str
    enabled: bool
    default_root_object: str
    origins: Mapping[str, Origin]
    behaviours: tuple[Behaviour, ...]  # in order, the default one last
    error_responses: Mapping[int, ErrorResponse]
    aliases: tuple[str, ...] = ()  # the alternate domain names (CNAMEs)
    certificate_arn: str | None = None  # ViewerCertificate.ACMCertificateArn

    def behaviour_for(self, path: str) -> Behaviour:
        for behaviour in self.behaviours:
            if path_pattern.matches(behaviour.path_pattern, path):
                return behaviour
        return self.behaviours[-1]

    @property
    def config_errors(self) -> list[str]:
        return [b.config_error for b in self.behaviours if b.config_error]


CachePolicyLookup = Callable[[str], CachePolicy]
OriginRequestPolicyLookup = Callable[[str], OriginRequestPolicy]
FunctionLookup = Callable[[str], "EdgeFunction"]


def function_arns(raw: Mapping) -> dict[str, str]:
    """A behaviour's CloudFront Functions associations: event type -> function ARN."""
    return {a["EventType"]: a["FunctionARN"] for a in items(raw.get("FunctionAssociations"))}


def parse_origin(raw: Mapping, origin_urls: Mapping[str, str]) -> Origin:
    domain = raw["DomainName"]
    custom = raw.get("CustomOriginConfig") or {}
    bucket = None
    if domain not in origin_urls:
        match = S3_DOMAIN.match(domain)
        if match:
            bucket = match["bucket"]
    headers = tuple((h["HeaderName"], h["HeaderValue"]) for h in items(raw.get("CustomHeaders")))
    return Origin(
        id=raw["Id"],
        domain_name=domain,
        origin_path=(raw.get("OriginPath") or "").rstrip("/"),
        bucket=bucket,
        read_timeout=float(custom.get("OriginReadTimeout") or 30),
        connect_timeout=float(raw.get("ConnectionTimeout") or 10),
        custom_headers=headers,
        keepalive_timeout=float(custom.get("OriginKeepaliveTimeout") or 5),
    )


def parse_behaviour(
    raw: Mapping,
    pattern: str,
    find_cache_policy: CachePolicyLookup,
    find_origin_request_policy: OriginRequestPolicyLookup,
    find_function: FunctionLookup | None = None,
) -> Behaviour:
    allowed = raw.get("AllowedMethods") or {}
    allowed_methods = frozenset(items(allowed)) or frozenset({"GET", "HEAD"})
    cached_methods = frozenset(items(allowed.get("CachedMethods"))) or frozenset({"GET", "HEAD"})
    errors = []
    policy_id = raw.get("CachePolicyId")
    request_policy_id = raw.get("OriginRequestPolicyId")
    cache = None
    try:
        cache = find_cache_policy(policy_id) if policy_id else cache_policy.from_legacy(raw)
    except PolicyNotFound as exc:
        errors.append(str(exc))
    request = None
    if request_policy_id:
        try:
            request = find_origin_request_policy(request_policy_id)
        except PolicyNotFound as exc:
            errors.append(str(exc))
    elif not policy_id:
        request = origin_request_policy.from_legacy(raw)
    functions = {}
    for event_type, arn in function_arns(raw).items():
        try:
            functions[event_type] = find_function(arn) if find_function else None
        except PolicyNotFound as exc:
            errors.append(str(exc))
    return Behaviour(
        path_pattern=pattern,
        target_origin_id=raw["TargetOriginId"],
        allowed_methods=allowed_methods,
        cached_methods=cached_methods,
        cache_policy=cache,
        origin_request_policy=request,
        config_error="; ".join(errors) or None,
        compress=bool(raw.get("Compress", False)),
        viewer_protocol=raw.get("ViewerProtocolPolicy") or "allow-all",
        functions={k: f for k, f in functions.items() if f is not None},
    )


def parse_distribution(
    distribution_id: str,
    etag: str,
    config: Mapping,
    origin_urls: Mapping[str, str],
    find_cache_policy: CachePolicyLookup,
    find_origin_request_policy: OriginRequestPolicyLookup,
    find_function: FunctionLookup | None = None,
) -> Distribution:
    """`config` is GetDistributionConfig's `DistributionConfig`."""
    origins = {o["Id"]: parse_origin(o, origin_urls) for o in items(config.get("Origins"))}
    behaviours = [
        parse_behaviour(
            b, b["PathPattern"], find_cache_policy, find_origin_request_policy, find_function
        )
        for b in items(config.get("CacheBehaviors"))
    ]
    behaviours.append(
        parse_behaviour(
            config["DefaultCacheBehavior"],
            DEFAULT_PATTERN,
            find_cache_policy,
            find_origin_request_policy,
            find_function,
        )
    )
    checked = []
    for behaviour in behaviours:
        if behaviour.target_origin_id not in origins and not behaviour.config_error:
            problem = (
                f"behaviour {behaviour.path_pattern!r}: no origin {behaviour.target_origin_id!r}"
            )
            behaviour = replace(behaviour, config_error=problem)
        checked.append(behaviour)
    error_responses = {}
    for raw in items(config.get("CustomErrorResponses")):
        code = int(raw["ErrorCode"])
        response_code = str(raw.get("ResponseCode") or "").strip()
        error_responses[code] = ErrorResponse(
            error_code=code,
            page_path=raw.get("ResponsePagePath") or None,
            response_code=int(response_code) if response_code else None,
            caching_min_ttl=int(raw.get("ErrorCachingMinTTL", 10)),
        )
    return Distribution(
        id=distribution_id,
        etag=etag,
        enabled=bool(config.get("Enabled", True)),
        default_root_object=(config.get("DefaultRootObject") or "").lstrip("/"),
        origins=origins,
        behaviours=tuple(checked),
        error_responses=error_responses,
        aliases=tuple(items(config.get("Aliases"))),
        certificate_arn=(config.get("ViewerCertificate") or {}).get("ACMCertificateArn") or None,
    )
