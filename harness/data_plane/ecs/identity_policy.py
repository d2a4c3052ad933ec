"""Identity-based policy evaluation, as IAM does it for one role: a request is allowed when an
Allow statement matches its action and resource and no Deny does (no match is the implicit
deny). Actions and resources match case-insensitively and case-sensitively respectively, with
`*` and `?` wildcards [AWS: reference_policies_evaluation-logic]. Conditions are not evaluated:
a statement with a Condition, NotAction or NotResource is taken as not applying."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping


def _listed(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _applies(statement: Mapping, action: str, resource: str) -> bool:
    if {"Condition", "NotAction", "NotResource"} & statement.keys():
        return False
    return any(
        fnmatch.fnmatchcase(action.lower(), pattern.lower())
        for pattern in _listed(statement.get("Action"))
    ) and any(
        fnmatch.fnmatchcase(resource, pattern) for pattern in _listed(statement.get("Resource"))
    )


def allows(policies: Iterable[Mapping], action: str, resource: str) -> bool:
    effects = {
        statement.get("Effect")
        for policy in policies
        for statement in _listed(policy.get("Statement"))
        if _applies(statement, action, resource)
    }
    return "Allow" in effects and "Deny" not in effects
