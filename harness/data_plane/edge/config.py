"""Keeps the edge's view of a distribution current, reading only through the AWS APIs: the
distribution through CloudFront, and its S3 origins' bucket policies through S3.

moto keeps a distribution's ETag across update_distribution, so changes are detected by
comparing the configuration itself (plus any custom policies it names), not the ETag.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from harness.data_plane.edge import cache_policy, origin_request_policy
from harness.data_plane.edge.bucket_policy import grants_get_object, missing_key_status
from harness.data_plane.edge.cache import ResponseCache
from harness.data_plane.edge.distribution import Distribution, PolicyNotFound, parse_distribution
from harness.data_plane.edge.functions.reader import FunctionReader
from harness.errors import HarnessError

log = logging.getLogger("harness.data_plane.edge")


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


class ConfigPoller:
    def __init__(
        self,
        cloudfront,
        distribution_id: str,
        origin_urls: Mapping[str, str],
        cache: ResponseCache,
        *,
        s3=None,
        interval: float = 0.5,
        policy_interval: float = 2.0,
    ) -> None:
        self._cloudfront = cloudfront
        self._s3 = s3
        self.policy_interval = policy_interval
        self.distribution_arn: str | None = None
        self.domain_name: str | None = None
        self._bucket_policies: dict[str, str | None] = {}
        self._policies_read_at: float | None = None
        self.distribution_id = distribution_id
        self._origin_urls = dict(origin_urls)
        self._cache = cache
        self.interval = interval
        self.distribution: Distribution | None = None
        self.loaded_at: str | None = None
        self.last_refresh_at: str | None = None
        self.last_error: str | None = None
        self.invalidations_applied = 0
        # Counts the configurations applied: a waiter reads it to know a change has landed.
        self.config_generation = 0
        self._fingerprint: str | None = None
        self._functions = FunctionReader(cloudfront)
        self._seen_invalidations: set[str] | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self) -> Distribution:
        """The first refresh; a failure here is the caller's to report."""
        try:
            self.refresh()
        except (BotoCoreError, ClientError) as exc:
            raise HarnessError(
                f"edge: cannot read distribution {self.distribution_id}: {exc}"
            ) from None
        assert self.distribution is not None
        return self.distribution

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="edge-config-poller", daemon=True)
        self._thread.start()

    def poll_now(self) -> None:
        """Read the configuration and invalidations now rather than at the next interval, as
        when a deploy waits for its invalidation; what is read is the same."""
        self._wake.set()

    def applied(self, invalidation_id: str) -> bool:
        seen = self._seen_invalidations
        return seen is not None and invalidation_id in seen

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self._functions.close()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.refresh()
            except Exception as exc:  # noqa: BLE001 - kept for health(); the last config stays
                message = f"{type(exc).__name__}: {exc}"
                if message != self.last_error:
                    log.warning(
                        "edge: refreshing distribution %s failed: %s", self.distribution_id, message
                    )
                self.last_error = message

    def refresh(self) -> None:
        answer = self._cloudfront.get_distribution_config(Id=self.distribution_id)
        config, etag = answer["DistributionConfig"], answer["ETag"]
        custom_policies = self._custom_policies(config)
        functions = self._functions.read(config)
        fingerprint = json.dumps([config, custom_policies, functions], sort_keys=True, default=str)
        changed = fingerprint != self._fingerprint
        if changed:
            self.distribution = parse_distribution(
                self.distribution_id,
                etag,
                config,
                self._origin_urls,
                lambda pid: self._cache_policy(pid, custom_policies),
                lambda pid: self._origin_request_policy(pid, custom_policies),
                self._functions.lookup(functions),
            )
            self._fingerprint = fingerprint
            self.config_generation += 1
            self.loaded_at = _now()
            for problem in self.distribution.config_errors:
                log.error("edge: distribution %s: %s", self.distribution_id, problem)
        self._apply_invalidations()
        self._read_bucket_policies(changed)
        self.last_refresh_at = _now()
        self.last_error = None

    def missing_key_status(self, bucket: str) -> int:
        """What the bucket answers the distribution for a missing key, as of the last read."""
        return missing_key_status(self._bucket_policies.get(bucket), bucket, self.distribution_arn)

    def may_read(self, bucket: str, key: str) -> bool:
        """Whether the bucket's policy, as of the last read, lets this distribution's Origin
        Access Control get the object."""
        return grants_get_object(
            self._bucket_policies.get(bucket), bucket, key, self.distribution_arn
        )

    def _read_bucket_policies(self, config_changed: bool) -> None:
        if self._s3 is None or self.distribution is None:
            return
        now = time.monotonic()
        due = self._policies_read_at is None or now - self._policies_read_at >= self.policy_interval
        if not (config_changed or due):
            return
        if self.distribution_arn is None:
            answer = self._cloudfront.get_distribution(Id=self.distribution_id)
            self.distribution_arn = answer["Distribution"]["ARN"]
            self.domain_name = answer["Distribution"]["DomainName"]
        buckets = {o.bucket for o in self.distribution.origins.values() if o.bucket}
        self._bucket_policies = {bucket: self._bucket_policy(bucket) for bucket in buckets}
        self._policies_read_at = now

    def _bucket_policy(self, bucket: str) -> str | None:
        try:
            return self._s3.get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchBucketPolicy", "NoSuchBucket"):
                return None
            raise

    def _custom_policies(self, config: Mapping) -> dict[str, dict]:
        """Each non-managed policy the behaviours name: its API answer, or why there is none."""
        behaviours = [
            config["DefaultCacheBehavior"],
            *cache_policy.items(config.get("CacheBehaviors")),
        ]
        found: dict[str, dict] = {}
        for behaviour in behaviours:
            pid = behaviour.get("CachePolicyId")
            if pid and pid not in cache_policy.MANAGED and f"cache:{pid}" not in found:
                found[f"cache:{pid}"] = self._fetch("cache", pid)
            pid = behaviour.get("OriginRequestPolicyId")
            if pid and pid not in origin_request_policy.MANAGED and f"request:{pid}" not in found:
                found[f"request:{pid}"] = self._fetch("request", pid)
        return found

    def _fetch(self, kind: str, policy_id: str) -> dict:
        try:
            if kind == "cache":
                return {"policy": self._cloudfront.get_cache_policy(Id=policy_id)["CachePolicy"]}
            answer = self._cloudfront.get_origin_request_policy(Id=policy_id)
            return {"policy": answer["OriginRequestPolicy"]}
        except ClientError as exc:
            if _status(exc) not in (403, 404):
                raise
            what = "GetCachePolicy" if kind == "cache" else "GetOriginRequestPolicy"
            return {
                "missing": (
                    f"{'cache' if kind == 'cache' else 'origin request'} policy {policy_id} is not "
                    f"a managed policy and {what} could not return it "
                    f"({exc.response.get('Error', {}).get('Code', _status(exc))})"
                )
            }

    def _cache_policy(self, policy_id: str, custom: Mapping[str, dict]):
        if policy_id in cache_policy.MANAGED:
            return cache_policy.MANAGED[policy_id]
        answer = custom[f"cache:{policy_id}"]
        if "missing" in answer:
            raise PolicyNotFound(answer["missing"])
        return cache_policy.from_api(answer["policy"])

    def _origin_request_policy(self, policy_id: str, custom: Mapping[str, dict]):
        if policy_id in origin_request_policy.MANAGED:
            return origin_request_policy.MANAGED[policy_id]
        answer = custom[f"request:{policy_id}"]
        if "missing" in answer:
            raise PolicyNotFound(answer["missing"])
        return origin_request_policy.from_api(answer["policy"])

    def _apply_invalidations(self) -> None:
        ids = []
        marker = ""
        while True:
            paging = {"Marker": marker} if marker else {}
            page = self._cloudfront.list_invalidations(
                DistributionId=self.distribution_id, **paging
            )
            listing = page.get("InvalidationList") or {}
            ids += [item["Id"] for item in listing.get("Items") or []]
            marker = listing.get("NextMarker") or ""
            if not listing.get("IsTruncated") or not marker:
                break
        if self._seen_invalidations is None:
            self._seen_invalidations = set(ids)  # made before the edge cached anything
            return
        for invalidation_id in ids:
            if invalidation_id in self._seen_invalidations:
                continue
            answer = self._cloudfront.get_invalidation(
                DistributionId=self.distribution_id, Id=invalidation_id
            )
            paths = cache_policy.items(answer["Invalidation"]["InvalidationBatch"]["Paths"])
            purged = self._cache.purge(paths)
            self._seen_invalidations.add(invalidation_id)
            self.invalidations_applied += 1
            log.info("edge: invalidation %s %s purged %d entries", invalidation_id, paths, purged)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
