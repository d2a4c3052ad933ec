"""What S3 lets a distribution's Origin Access Control do, decided by the bucket's policy as S3
would: the edge reads an object only if the policy grants `cloudfront.amazonaws.com` s3:GetObject
on it for this distribution's ARN (AWS:SourceArn), else 403 AccessDenied.

S3 hides whether a key exists from a caller that may not list the bucket: without s3:ListBucket
a missing key is 403 AccessDenied, with it 404 NoSuchKey. Only what that needs is evaluated:
Allow/Deny statements with Principal, Action and Resource (wildcards `*` and `?`), and conditions
on `AWS:SourceArn` / `AWS:SourceAccount`. A statement with NotPrincipal, NotAction, NotResource or
any other condition is taken as not applying.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping

CLOUDFRONT = "cloudfront.amazonaws.com"
LIST_BUCKET = "s3:ListBucket"
GET_OBJECT = "s3:GetObject"
_MATCHERS = {
    "stringequals": lambda value, pattern: value == pattern,
    "arnequals": lambda value, pattern: value == pattern,
    "stringlike": fnmatch.fnmatchcase,
    "arnlike": fnmatch.fnmatchcase,
}


def missing_key_status(policy: str | Mapping | None, bucket: str, distribution_arn: str) -> int:
    """403 or 404: what S3 answers the distribution when it asks `bucket` for a missing key."""
    return 404 if grants_list_bucket(policy, bucket, distribution_arn) else 403


def grants_list_bucket(policy: str | Mapping | None, bucket: str, distribution_arn: str) -> bool:
    return oac_allows(policy, LIST_BUCKET, f"arn:aws:s3:::{bucket}", distribution_arn)


def grants_get_object(
    policy: str | Mapping | None, bucket: str, key: str, distribution_arn: str
) -> bool:
    return oac_allows(policy, GET_OBJECT, f"arn:aws:s3:::{bucket}/{key}", distribution_arn)


def oac_allows(
    policy: str | Mapping | None, action: str, resource: str, distribution_arn: str
) -> bool:
    """Whether the bucket policy lets this distribution's OAC principal do `action` on
    `resource`: an Allow applies and no Deny does (no grant means S3's implicit deny)."""
    if not policy:
        return False
    document = json.loads(policy) if isinstance(policy, str) else policy
    context = {
        "aws:sourcearn": distribution_arn,
        "aws:sourceaccount": distribution_arn.split(":")[4] if distribution_arn else "",
    }
    effects = {
        statement.get("Effect")
        for statement in _listed(document.get("Statement"))
        if _applies(statement, action, resource, context)
    }
    return "Allow" in effects and "Deny" not in effects


def _listed(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _applies(statement: Mapping, action: str, resource: str, context: Mapping[str, str]) -> bool:
    if {"NotPrincipal", "NotAction", "NotResource"} & statement.keys():
        return False
    return (
        _principal_is_cloudfront(statement.get("Principal"))
        and any(
            fnmatch.fnmatchcase(action.lower(), pattern.lower())
            for pattern in _listed(statement.get("Action"))
        )
        and any(fnmatch.fnmatchcase(resource, r) for r in _listed(statement.get("Resource")))
        and _conditions_hold(statement.get("Condition") or {}, context)
    )


def _principal_is_cloudfront(principal) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return CLOUDFRONT in _listed(principal.get("Service")) or "*" in _listed(principal.get("AWS"))


def _conditions_hold(conditions: Mapping, context: Mapping[str, str]) -> bool:
    for operator, tests in conditions.items():
        matches = _MATCHERS.get(operator.lower())
        if matches is None:
            return False
        for key, wanted in tests.items():
            value = context.get(key.lower())
            if value is None or not any(matches(value, w) for w in _listed(wanted)):
                return False
    return True
