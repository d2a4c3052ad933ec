"""The embedded emulator on the stack clock. moto runs inside the harness process, where
libfaketime cannot go (it would move the harness's own clock), so the two places where moto
stamps time that the stack's decisions depend on read `clock.now()` instead:

- Cognito: a token's `iat`/`exp` (a token issued after an advance must be valid for the tasks,
  which see the advanced time);
- S3: LastModified of new objects and the restore expiry of RestoreObject (lifecycle ages and
  restore windows count on the stack clock);
- DynamoDB: a table's and a backup's creation time (backups are listed by time).

moto checks no SigV4 date and no presigned-URL expiry, so tasks signing with the advanced time
keep working; `tests/clock` checks that stays true."""

from __future__ import annotations

import datetime
import time
import types

from harness.clock import clock


def _utcnow() -> datetime.datetime:
    # moto's own utcnow() is naive UTC
    return datetime.datetime.fromtimestamp(clock.now(), datetime.UTC).replace(tzinfo=None)


class _ClockTime(types.SimpleNamespace):
    """Stands in for the `time` module inside moto's Cognito models."""

    def __getattr__(self, name: str):
        return getattr(time, name)

    @staticmethod
    def time() -> float:
        return clock.now()


def put_embedded_emulator_on_the_clock() -> None:
    """Idempotent; only the in-process moto is touched."""
    import moto.cognitoidp.models as cognito
    import moto.dynamodb.models.table as dynamodb
    import moto.s3.models as s3

    if not isinstance(cognito.time, _ClockTime):
        cognito.time = _ClockTime()
    cognito.utcnow = _utcnow
    s3.utcnow = _utcnow
    dynamodb.utcnow = _utcnow
