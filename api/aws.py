"""The process's AWS clients: one per service, made once (S3's when first used).

Endpoints come from botocore's own standard variables (`AWS_ENDPOINT_URL`,
`AWS_ENDPOINT_URL_<SERVICE>`), so nothing here knows about emulators.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=2,
    read_timeout=10,
    max_pool_connections=20,
)


class MadeOnFirstUse:
    """A client made when first used: S3 serves only media uploads, and its model is the
    largest of the three (~5 MiB a process that never presigns an upload does without)."""

    def __init__(self, make: Callable[[], object]) -> None:
        self._make = make
        self._client = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        with self._lock:
            if self._client is None:
                self._client = self._make()
        return getattr(self._client, name)


@dataclass(frozen=True)
class AwsClients:
    dynamodb: object
    sns: object
    s3: object

    @classmethod
    def create(cls, region: str) -> AwsClients:
        session = boto3.session.Session(region_name=region)
        return cls(
            dynamodb=session.client("dynamodb", config=_CONFIG),
            sns=session.client("sns", config=_CONFIG),
            # SigV4 so the presigned PUT signs Content-Type and Content-Length.
            s3=MadeOnFirstUse(
                lambda: session.client("s3", config=_CONFIG.merge(Config(signature_version="s3v4")))
            ),
        )


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code", "")
