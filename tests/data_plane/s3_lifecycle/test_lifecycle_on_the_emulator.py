"""Lifecycle executed against the embedded emulator's S3, on the stack clock: HeadObject and
listings show GLACIER, GET answers 403 InvalidObjectState, RestoreObject makes it readable for
the requested days (S3 User Guide: lifecycle-transition-general-considerations,
restoring-objects; API Reference: GetObject "InvalidObjectState ... 403"), expiration deletes."""

import uuid

import pytest
from botocore.exceptions import ClientError

from harness.clock import clock
from harness.clock.emulator_time import put_embedded_emulator_on_the_clock
from harness.data_plane.s3_lifecycle.app import LifecycleLoop
from harness.data_plane.s3_lifecycle.storage import EmbeddedMotoStorage

BIG = b"x" * (128 * 1024)  # the default minimum size for a transition
DAY = 86400


@pytest.fixture
def stack_clock(tmp_path):
    put_embedded_emulator_on_the_clock()
    clock.use(tmp_path / "clock")
    yield clock
    clock.release(tmp_path / "clock")


@pytest.fixture
def bucket(endpoints):
    s3 = endpoints.client("s3")
    name = f"media-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "archive",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "media/"},
                    "Transitions": [{"Days": 180, "StorageClass": "GLACIER"}],
                },
                {
                    "ID": "expire-tmp",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "tmp/"},
                    "Expiration": {"Days": 1},
                },
            ]
        },
    )
    return s3, name


def test_archive_then_restore_for_the_requested_days(stack_clock, bucket):
    s3, name = bucket
    s3.put_object(Bucket=name, Key="media/cover.png", Body=BIG)
    loop = LifecycleLoop(s3, [name], EmbeddedMotoStorage())

    stack_clock.advance(181 * DAY)
    assert loop.run_once() == 1

    assert s3.head_object(Bucket=name, Key="media/cover.png")["StorageClass"] == "GLACIER"
    listed = s3.list_objects_v2(Bucket=name)["Contents"]
    assert [o["StorageClass"] for o in listed] == ["GLACIER"]
    with pytest.raises(ClientError, match="InvalidObjectState") as refused:
        s3.get_object(Bucket=name, Key="media/cover.png")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    s3.restore_object(Bucket=name, Key="media/cover.png", RestoreRequest={"Days": 2})
    assert s3.get_object(Bucket=name, Key="media/cover.png")["Body"].read() == BIG

    stack_clock.advance(3 * DAY)
    loop.run_once()
    with pytest.raises(ClientError, match="InvalidObjectState"):
        s3.get_object(Bucket=name, Key="media/cover.png")


def test_wrong_prefix_and_small_objects_are_not_archived(stack_clock, bucket):
    s3, name = bucket
    s3.put_object(Bucket=name, Key="uploads/cover.png", Body=BIG)
    s3.put_object(Bucket=name, Key="media/thumb.png", Body=b"small")
    stack_clock.advance(400 * DAY)

    assert LifecycleLoop(s3, [name], EmbeddedMotoStorage()).run_once() == 0

    for key in ("uploads/cover.png", "media/thumb.png"):
        assert s3.head_object(Bucket=name, Key=key).get("StorageClass", "STANDARD") == "STANDARD"


def test_expiration_deletes(stack_clock, bucket):
    s3, name = bucket
    s3.put_object(Bucket=name, Key="tmp/draft.png", Body=b"x")
    loop = LifecycleLoop(s3, [name], EmbeddedMotoStorage())
    assert loop.run_once() == 0

    stack_clock.advance(2 * DAY)
    assert loop.run_once() == 1

    with pytest.raises(ClientError, match="404"):
        s3.head_object(Bucket=name, Key="tmp/draft.png")
