"""Invalidations through the API front: InProgress until the edge has purged, then Completed.

AWS pages: CloudFront Developer Guide, "Invalidating files" (status InProgress, then
Completed); AWS CLI `cloudfront wait invalidation-completed` (polls GetInvalidation for
Status == Completed).
"""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from harness.data_plane.api_front import ApiFront
from harness.data_plane.edge import Edge

# The waiter's own poll (the CLI's is 20 s): how often it asks, not how long CloudFront takes.
# Completed comes when the edge has purged; asking more often only makes the race tighter.
WAIT = {"Delay": 0.1, "MaxAttempts": 600}


@pytest.fixture(scope="module")
def slow_polling_edge(endpoints, distribution, tmp_path_factory):
    """An edge that reads invalidations only when woken: InProgress is then observable."""
    edge = Edge(
        endpoints,
        distribution,
        {},
        refresh_interval=3600,
        log_dir=tmp_path_factory.mktemp("edge-slow"),
    ).start()
    yield edge
    edge.stop()


@pytest.fixture(scope="module")
def cloudfront(endpoints, slow_polling_edge):
    front = ApiFront(endpoints).start()
    front.serve_cloudfront(slow_polling_edge)
    yield front.endpoints.client("cloudfront")
    front.stop()


def invalidate(cloudfront, distribution, path: str) -> dict:
    return cloudfront.create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": [path]},
            "CallerReference": uuid.uuid4().hex,
        },
    )["Invalidation"]


def test_invalidation_is_in_progress_until_the_edge_purges_then_completed(
    endpoints, cloudfront, distribution, slow_polling_edge, buckets
):
    s3, web, _ = buckets
    key = f"status-{uuid.uuid4().hex[:8]}.txt"
    s3.put_object(Bucket=web, Key=key, Body=b"v0", ContentType="text/plain")

    # The upstream emulator alone says COMPLETED at once; a client asking it could be misled.
    invalidation = invalidate(cloudfront, distribution, f"/{key}")
    assert invalidation["Status"] == "InProgress"

    cloudfront.get_waiter("invalidation_completed").wait(
        DistributionId=distribution, Id=invalidation["Id"], WaiterConfig=WAIT
    )
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    statuses = {i["Id"]: i["Status"] for i in listed["Items"]}
    assert statuses[invalidation["Id"]] == "Completed"
    assert slow_polling_edge.invalidation_applied(invalidation["Id"])


def test_after_wait_invalidation_completed_a_get_never_serves_the_old_object(
    cloudfront, distribution, slow_polling_edge, buckets
):
    s3, web, _ = buckets
    key = f"loop-{uuid.uuid4().hex[:8]}.txt"
    url = f"{slow_polling_edge.url}/{key}"
    s3.put_object(Bucket=web, Key=key, Body=b"v0", ContentType="text/plain")
    stop = threading.Event()

    def keep_reading() -> None:  # viewers racing the purge with fetches of their own
        with httpx.Client(trust_env=False, timeout=10) as client:
            while not stop.is_set():
                client.get(url)

    readers = [threading.Thread(target=keep_reading, daemon=True) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        with httpx.Client(trust_env=False, timeout=10) as client:
            for version in range(1, 8):
                assert client.get(url).status_code == 200  # cached, old version
                body = f"v{version}".encode()
                s3.put_object(Bucket=web, Key=key, Body=body, ContentType="text/plain")
                invalidation = invalidate(cloudfront, distribution, f"/{key}")
                cloudfront.get_waiter("invalidation_completed").wait(
                    DistributionId=distribution, Id=invalidation["Id"], WaiterConfig=WAIT
                )
                assert client.get(url).content == body, f"old object after invalidation {version}"
    finally:
        stop.set()
        for reader in readers:
            reader.join(10)
