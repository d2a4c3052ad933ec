"""A write through the API front wakes the data-plane parts that read that service's
settings; a read, or a write the emulator refuses, does not. The parts then poll rarely
(lifecycle/stack.py) instead of every half second."""

from __future__ import annotations

import threading
import uuid

import pytest
from botocore.exceptions import ClientError

from harness.data_plane.api_front import ApiFront


@pytest.fixture
def front(endpoints):
    with_front = ApiFront(endpoints).start()
    yield with_front
    with_front.stop()


def watched(front: ApiFront, service: str) -> threading.Event:
    event = threading.Event()
    front.watch(service, event.set)
    return event


def test_a_write_to_ecs_wakes_its_watchers_and_a_read_does_not(front):
    woken = watched(front, "ecs")
    ecs = front.endpoints.client("ecs")
    ecs.list_clusters()
    ecs.describe_clusters(clusters=["default"])
    assert not woken.is_set()
    ecs.create_cluster(clusterName=f"watch-{uuid.uuid4().hex[:8]}")
    assert woken.wait(30)


def test_a_write_to_elbv2_query_protocol_wakes_only_elbv2_watchers(front):
    elbv2_woken, ecs_woken = watched(front, "elbv2"), watched(front, "ecs")
    elbv2 = front.endpoints.client("elbv2")
    elbv2.describe_target_groups()
    assert not elbv2_woken.is_set()
    vpc = front.endpoints.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    elbv2.create_target_group(
        Name=f"watch-{uuid.uuid4().hex[:8]}", Protocol="HTTP", Port=80, VpcId=vpc
    )
    assert elbv2_woken.wait(30)
    assert not ecs_woken.is_set()


def test_a_cloudfront_rest_write_wakes_and_a_refused_one_does_not(front):
    woken = watched(front, "cloudfront")
    cloudfront = front.endpoints.client("cloudfront")
    cloudfront.list_distributions()
    with pytest.raises(ClientError, match="NoSuchDistribution"):
        cloudfront.create_invalidation(
            DistributionId="ENOSUCHDIST",
            InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "x"},
        )
    assert not woken.is_set()
    name = f"watch-{uuid.uuid4().hex[:8]}"
    etag = cloudfront.create_function(
        Name=name,
        FunctionConfig={"Comment": "", "Runtime": "cloudfront-js-2.0"},
        FunctionCode=b"function handler(event) { return event.request; }",
    )["ETag"]
    assert woken.wait(30)
    woken.clear()
    cloudfront.publish_function(Name=name, IfMatch=etag)  # answered by the front itself
    assert woken.wait(30)
