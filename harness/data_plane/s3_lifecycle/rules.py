"""S3 Lifecycle rules and AWS's counting, as the S3 User Guide documents them:

- "Amazon S3 calculates the time by adding the number of days specified in the rule to the
  object creation time and rounding the resulting time up to the next day's midnight UTC"
  (lifecycle-expire-general-considerations / intro-lifecycle-rules, "Lifecycle rules: Based on
  an object's age").
- "By default, objects smaller than 128 KB will not be transitioned to any storage class"
  unless the rule's filter sets ObjectSizeGreaterThan (TransitionDefaultMinimumObjectSize
  all_storage_classes_128K; lifecycle-transition-general-considerations).
- Filters: Prefix, Tag, ObjectSizeGreaterThan/LessThan, or And of them; a rule applies only
  when Status is Enabled (intro-lifecycle-filters).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

DAY = datetime.timedelta(days=1)
DEFAULT_MINIMUM_TRANSITION_SIZE = 128 * 1024
ALL_STORAGE_CLASSES_128K = "all_storage_classes_128K"


@dataclass(frozen=True)
class Rule:
    id: str
    enabled: bool
    prefix: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    size_greater_than: int | None = None
    size_less_than: int | None = None
    transitions: tuple[tuple[int, str], ...] = ()  # (days, storage class), by days
    expiration_days: int | None = None

    def matches(self, key: str, size: int, tags: dict[str, str]) -> bool:
        if not self.enabled or not key.startswith(self.prefix):
            return False
        if any(tags.get(name) != value for name, value in self.tags.items()):
            return False
        if self.size_greater_than is not None and not size > self.size_greater_than:
            return False
        return self.size_less_than is None or size < self.size_less_than

    def may_transition(self, size: int, default_minimum: str | None) -> bool:
        if self.size_greater_than is not None:
            return True  # the filter's own size bound replaces the default minimum
        if (default_minimum or ALL_STORAGE_CLASSES_128K) == ALL_STORAGE_CLASSES_128K:
            return size >= DEFAULT_MINIMUM_TRANSITION_SIZE
        return True  # varies_by_storage_class: GLACIER and DEEP_ARCHIVE take any size


def parse_rules(configuration: dict) -> list[Rule]:
    """GetBucketLifecycleConfiguration's answer -> rules."""
    return [_rule(raw) for raw in configuration.get("Rules", [])]


def _rule(raw: dict) -> Rule:
    filt = raw.get("Filter") or {}
    conditions = filt.get("And") or filt
    tags = [conditions["Tag"]] if "Tag" in conditions else conditions.get("Tags", [])
    transitions = [t for t in raw.get("Transitions", []) if "Days" in t]
    return Rule(
        id=raw.get("ID", ""),
        enabled=raw.get("Status") == "Enabled",
        prefix=conditions.get("Prefix", raw.get("Prefix", "")) or "",
        tags={t["Key"]: t["Value"] for t in tags},
        size_greater_than=conditions.get("ObjectSizeGreaterThan"),
        size_less_than=conditions.get("ObjectSizeLessThan"),
        transitions=tuple(sorted((t["Days"], t["StorageClass"]) for t in transitions)),
        expiration_days=(raw.get("Expiration") or {}).get("Days"),
    )


def due(created: datetime.datetime, days: int) -> datetime.datetime:
    """When a rule of `days` acts on an object created at `created` (aware, any zone)."""
    moment = created.astimezone(datetime.UTC) + days * DAY
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == moment else midnight + DAY


@dataclass(frozen=True)
class Action:
    kind: str  # "expire" or "transition"
    rule_id: str
    storage_class: str | None = None


def action_for(
    rules: list[Rule],
    *,
    key: str,
    size: int,
    tags: dict[str, str],
    created: datetime.datetime,
    storage_class: str,
    now: datetime.datetime,
    default_minimum: str | None = None,
) -> Action | None:
    """What lifecycle does to this object at `now`: expiration first, else the latest due
    transition to a class the object is not in yet."""
    matching = [r for r in rules if r.matches(key, size, tags)]
    for rule in matching:
        if rule.expiration_days is not None and now >= due(created, rule.expiration_days):
            return Action("expire", rule.id)
    for rule in matching:
        if not rule.may_transition(size, default_minimum):
            continue
        reached = [cls for days, cls in rule.transitions if now >= due(created, days)]
        if reached and reached[-1] != storage_class:
            return Action("transition", rule.id, reached[-1])
    return None
