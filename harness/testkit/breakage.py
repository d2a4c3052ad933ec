"""Break the stack on purpose, through the same AWS APIs an operator would use, and put it
back: each helper is a context manager that restores the setting in `finally`.

Scenarios use them to prove they catch the regression they exist for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from harness.plumbing.invalidation import invalidate
from harness.plumbing.waiting import wait_until
from harness.types import StackView

API_PATTERN = "/api/*"
# The AWS-documented way to take a subscription's filter policy away.
NO_FILTER = "{}"


def _edge_get(edge_url: str, path: str) -> httpx.Response:
    return httpx.get(edge_url + path, timeout=10, trust_env=False)


def edge_caches(edge_url: str, path: str = "/api/health") -> bool:
    """Two GETs in a row: does the second come from the edge's cache?"""
    _edge_get(edge_url, path)
    return _edge_get(edge_url, path).headers.get("x-cache", "").startswith("Hit")


def _set_cache_policy(cloudfront, distribution_id: str, pattern: str, policy_id: str) -> str:
    found = cloudfront.get_distribution_config(Id=distribution_id)
    config = found["DistributionConfig"]
    behaviour = next(
        b for b in config["CacheBehaviors"].get("Items", []) if b["PathPattern"] == pattern
    )
    previous = behaviour["CachePolicyId"]
    behaviour["CachePolicyId"] = policy_id
    cloudfront.update_distribution(
        Id=distribution_id, IfMatch=found["ETag"], DistributionConfig=config
    )
    return previous


@contextmanager
def api_cache_policy(stack: StackView, policy_id: str, timeout: float = 10.0) -> Iterator[None]:
    """`/api/*` under another cache policy until the block ends; then the original policy
    and an invalidation of `/api/*`, and only once the edge caches nothing there again."""
    cloudfront = stack.endpoints.client("cloudfront")
    distribution_id = stack.record.distribution_id
    original = _set_cache_policy(cloudfront, distribution_id, API_PATTERN, policy_id)
    try:
        wait_until(
            lambda: edge_caches(stack.edge_url), what="the edge to cache /api/*", timeout=timeout
        )
        yield
    finally:
        _set_cache_policy(cloudfront, distribution_id, API_PATTERN, original)
        invalidate(cloudfront, distribution_id, [API_PATTERN], origin="breakage")
        wait_until(
            lambda: not edge_caches(stack.edge_url),
            what="the edge to stop caching /api/*",
            timeout=timeout,
        )


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


def api_answers(edge_url: str) -> bool:
    try:
        return _edge_get(edge_url, "/api/health").status_code == 200
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
            lambda: api_answers(stack.edge_url),
            what="the API to answer again",
            timeout=heal_timeout,
            interval=0.25,
        )
        if stack.agent is not None:
            stack.agent.wait_steady(timeout=heal_timeout)
