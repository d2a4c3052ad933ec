"""Break the stack on purpose, through the same AWS APIs an operator would use, and put it
back: each helper is a context manager that restores the setting in `finally`.

Scenarios use them to prove they catch the regression they exist for.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from harness.plumbing.invalidation import invalidate
from harness.plumbing.local_ca import trusting
from harness.plumbing.waiting import wait_until
from harness.types import StackView

API_PATTERN = "/api/*"
# The AWS-documented way to take a subscription's filter policy away.
NO_FILTER = "{}"


def _edge_get(stack: StackView, path: str) -> httpx.Response:
    verify = trusting(stack.edge_ca)
    return httpx.get(f"{stack.edge_url}{path}", timeout=10, trust_env=False, verify=verify)


def edge_caches(stack: StackView, path: str = "/api/health") -> bool:
    """Two GETs in a row: does the second come from the edge's cache?"""
    _edge_get(stack, path)
    return _edge_get(stack, path).headers.get("x-cache", "").startswith("Hit")


def _replace_behaviour(cloudfront, distribution_id: str, pattern: str, change) -> dict:
    """Puts `change(behaviour)` in place of the behaviour for `pattern`; returns the old one."""
    found = cloudfront.get_distribution_config(Id=distribution_id)
    config = found["DistributionConfig"]
    items = config["CacheBehaviors"]["Items"]
    index = next(i for i, b in enumerate(items) if b["PathPattern"] == pattern)
    previous = copy.deepcopy(items[index])
    items[index] = change(copy.deepcopy(previous))
    cloudfront.update_distribution(
        Id=distribution_id, IfMatch=found["ETag"], DistributionConfig=config
    )
    return previous


def legacy_ttl(seconds: int):
    """Legacy cache settings that keep every answer `seconds`, whatever the origin says: with a
    min TTL above 0 CloudFront caches even `no-store` answers for the min TTL [Expiration].
    The viewer's Authorization is forwarded and keyed on, so signed-in requests still work."""

    def change(behaviour: dict) -> dict:
        legacy = {
            k: v
            for k, v in behaviour.items()
            if k not in ("CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId")
        }
        return legacy | {
            "ForwardedValues": {
                "QueryString": True,
                "Cookies": {"Forward": "none"},
                "Headers": {"Quantity": 1, "Items": ["Authorization"]},
                "QueryStringCacheKeys": {"Quantity": 0},
            },
            "MinTTL": seconds,
            "DefaultTTL": seconds,
            "MaxTTL": seconds,
        }

    return change


def edge_status(stack: StackView) -> dict:
    return (stack.describe().get("components") or {}).get("edge") or {}


def edge_cache_policy(stack: StackView, pattern: str) -> str | None:
    """The cache policy the running edge applies to `pattern`, as its status reports it."""
    for behaviour in edge_status(stack).get("behaviours") or []:
        if behaviour.get("path_pattern") == pattern:
            return behaviour.get("cache_policy")
    return None


def wait_for_edge_to_apply(
    stack: StackView, generation: int, pattern: str, policy: str, timeout: float
):
    """Until the edge has loaded a configuration newer than `generation` that puts `policy` on
    `pattern`: the event the change waits for, not a guess at the poll interval."""
    if stack.edge is not None:
        stack.edge.poll_now()

    def applied() -> bool:
        status = edge_status(stack)
        return (
            status.get("config_generation", 0) > generation
            and edge_cache_policy(stack, pattern) == policy
        )

    wait_until(
        applied, what=f"the edge to apply {policy} to {pattern}", timeout=timeout, interval=0.2
    )


@contextmanager
def api_behaviour_changed(stack: StackView, change, applied_policy: str, timeout: float = 60.0):
    """`/api/*` changed by `change` until the block ends, and only once the edge applies it;
    then the original behaviour and an invalidation of `/api/*`, and only once the edge has
    applied both."""
    cloudfront = stack.endpoints.client("cloudfront")
    distribution_id = stack.record.distribution_id
    original_policy = edge_cache_policy(stack, API_PATTERN)
    generation = edge_status(stack).get("config_generation", 0)
    original = _replace_behaviour(cloudfront, distribution_id, API_PATTERN, change)
    try:
        wait_for_edge_to_apply(stack, generation, API_PATTERN, applied_policy, timeout)
        yield
    finally:
        generation = edge_status(stack).get("config_generation", 0)
        _replace_behaviour(cloudfront, distribution_id, API_PATTERN, lambda _: original)
        invalidate(cloudfront, distribution_id, [API_PATTERN], origin="breakage")
        wait_for_edge_to_apply(stack, generation, API_PATTERN, original_policy, timeout)
        wait_until(
            lambda: not edge_caches(stack),
            what="the edge to stop caching /api/*",
            timeout=timeout,
        )


def api_cached_for(stack: StackView, seconds: int, timeout: float = 60.0):
    """`/api/*` under legacy cache settings that keep every answer `seconds`."""
    return api_behaviour_changed(stack, legacy_ttl(seconds), "legacy", timeout)


@contextmanager
def subscription_filter_dropped(stack: StackView, subscription_arn: str) -> Iterator[str]:
    """A subscription without its filter policy; yields the policy it had."""
    sns = stack.endpoints.client("sns")
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription_arn)["Attributes"]
    original = attributes.get("FilterPolicy") or NO_FILTER

    def set_policy(value: str) -> None:
        sns.set_subscription_attributes(
            SubscriptionArn=subscription_arn, AttributeName="FilterPolicy", AttributeValue=value
        )

    set_policy(NO_FILTER)
    try:
        yield original
    finally:
        set_policy(original)


def api_answers(stack: StackView) -> bool:
    try:
        return _edge_get(stack, "/api/health").status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def health_check_path(stack: StackView, path: str, heal_timeout: float = 60.0) -> Iterator[None]:
    """The target group checks `path` until the block ends; then the original path, and only
    once the API answers through the edge again."""
    elbv2 = stack.endpoints.client("elbv2")
    arn = stack.record.target_group_arn
    group = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    original = group["HealthCheckPath"]
    elbv2.modify_target_group(TargetGroupArn=arn, HealthCheckPath=path)
    try:
        yield
    finally:
        elbv2.modify_target_group(TargetGroupArn=arn, HealthCheckPath=original)
        wait_until(
            lambda: api_answers(stack),
            what="the API to answer again",
            timeout=heal_timeout,
            interval=0.25,
        )
        if stack.agent is not None:
            stack.agent.wait_steady(timeout=heal_timeout)
