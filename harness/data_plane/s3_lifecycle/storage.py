"""Where a lifecycle action lands. S3 offers no API that changes an object's storage class in
place (CopyObject makes a new object with a new creation date), so for the embedded emulator
the change is made in moto's own S3 model, which then answers HeadObject, listings and GET
(403 InvalidObjectState) by itself. For other emulators: CopyObject onto itself."""

from __future__ import annotations

import datetime

from harness.clock import clock


class EmbeddedMotoStorage:
    """moto's S3 backend in this process."""

    def _key(self, bucket: str, key: str):
        from moto.s3.models import s3_backends

        partition, account = s3_backends.bucket_accounts[bucket]
        return s3_backends[account][partition].get_bucket(bucket).keys.get(key)

    def transition(self, s3, bucket: str, key: str, storage_class: str) -> None:
        found = self._key(bucket, key)
        if found is not None:
            found.set_storage_class(storage_class)
            found.set_expiry(None)

    def end_expired_restore(self, bucket: str, key: str) -> bool:
        """The restored copy's days are over on the stack clock: drop it (True if dropped)."""
        found = self._key(bucket, key)
        expiry = getattr(found, "_expiry", None)
        if expiry is None:
            return False
        now = datetime.datetime.fromtimestamp(clock.now(), datetime.UTC).replace(tzinfo=None)
        if now < expiry:
            return False
        found.set_expiry(None)
        return True


class ApiStorage:
    """Any S3 API: a copy onto itself with the new class (a new LastModified, unlike AWS)."""

    def transition(self, s3, bucket: str, key: str, storage_class: str) -> None:
        s3.copy_object(
            Bucket=bucket,
            Key=key,
            CopySource={"Bucket": bucket, "Key": key},
            StorageClass=storage_class,
            MetadataDirective="COPY",
        )

    def end_expired_restore(self, bucket: str, key: str) -> bool:
        return False
