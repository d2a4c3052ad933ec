"""The lifecycle loop: on every pass, for each bucket with a lifecycle configuration, list its
objects and apply the action `rules.action_for` finds due on the stack clock. `part.S3Lifecycle`
runs it on a thread; `run_once` is the pass itself (tests and `harness clock advance` wait for
its effects through the S3 API)."""

from __future__ import annotations

import datetime
import logging

from botocore.exceptions import ClientError

from harness.clock import clock
from harness.data_plane.s3_lifecycle.rules import action_for, parse_rules

log = logging.getLogger("harness.data_plane.s3_lifecycle")

ARCHIVED = ("GLACIER", "DEEP_ARCHIVE")


class LifecycleLoop:
    def __init__(self, s3, buckets: list[str], storage) -> None:
        self.s3 = s3
        self.buckets = buckets
        self.storage = storage
        self.applied: list[dict] = []  # the most recent actions, for health()

    def run_once(self) -> int:
        now = datetime.datetime.fromtimestamp(clock.now(), datetime.UTC)
        done = 0
        for bucket in self.buckets:
            try:
                configuration = self.s3.get_bucket_lifecycle_configuration(Bucket=bucket)
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "NoSuchLifecycleConfiguration":
                    continue
                raise
            rules = parse_rules(configuration)
            default_minimum = configuration.get("TransitionDefaultMinimumObjectSize")
            needs_tags = any(rule.tags for rule in rules)
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    done += self._apply(bucket, obj, rules, default_minimum, needs_tags, now)
        return done

    def _apply(self, bucket, obj, rules, default_minimum, needs_tags, now) -> int:
        key, storage_class = obj["Key"], obj.get("StorageClass", "STANDARD")
        if storage_class in ARCHIVED and self.storage.end_expired_restore(bucket, key):
            self._note(bucket, key, "restore-expired", None)
        tags = {}
        if needs_tags:
            answer = self.s3.get_object_tagging(Bucket=bucket, Key=key)
            tags = {t["Key"]: t["Value"] for t in answer["TagSet"]}
        action = action_for(
            rules,
            key=key,
            size=obj["Size"],
            tags=tags,
            created=obj["LastModified"],
            storage_class=storage_class,
            now=now,
            default_minimum=default_minimum,
        )
        if action is None:
            return 0
        if action.kind == "expire":
            self.s3.delete_object(Bucket=bucket, Key=key)
        else:
            self.storage.transition(self.s3, bucket, key, action.storage_class)
        self._note(bucket, key, action.kind, action.storage_class, action.rule_id)
        return 1

    def _note(self, bucket, key, kind, storage_class, rule_id=None) -> None:
        log.info(
            "s3 lifecycle: %s s3://%s/%s %s (rule %s)", kind, bucket, key, storage_class, rule_id
        )
        self.applied = [
            *self.applied[-19:],
            {
                "bucket": bucket,
                "key": key,
                "action": kind,
                "storage_class": storage_class,
                "rule": rule_id,
                "at": clock.now(),
            },
        ]
