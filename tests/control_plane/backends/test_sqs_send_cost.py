"""SQS sends in the embedded emulator do not walk the queue, and answer as before: the
approximate counts outside a send, content-based deduplication inside one."""

import uuid

import pytest
from moto.sqs.models import Message

from harness.control_plane.backends import sqs_send_cost


@pytest.fixture
def sqs(endpoints):
    return endpoints.client("sqs")


@pytest.fixture
def visibility_reads(monkeypatch):
    """How often moto asks a message whether it is visible (once per message per count)."""
    reads = []
    visible = Message.visible.fget

    def counted(message):
        reads.append(message)
        return visible(message)

    monkeypatch.setattr(Message, "visible", property(counted))
    return reads


def test_a_send_does_not_look_at_the_messages_already_queued(sqs, visibility_reads):
    url = sqs.create_queue(QueueName=f"cost-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for n in range(20):
        sqs.send_message(QueueUrl=url, MessageBody=f"queued {n}")
    visibility_reads.clear()
    sqs.send_message(QueueUrl=url, MessageBody="one more")
    assert visibility_reads == []
    assert not sqs_send_cost.sending()


def test_the_approximate_counts_are_still_counted_outside_a_send(sqs):
    # [AWS: SQS GetQueueAttributes] ApproximateNumberOfMessages(Delayed|NotVisible)
    url = sqs.create_queue(QueueName=f"counts-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"visible {n}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesDelayed",
        "ApproximateNumberOfMessagesNotVisible",
    ]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert counts == dict(zip(names, ["2", "1", "1"], strict=True))


def test_a_fifo_queue_still_deduplicates_by_content(sqs):
    # [AWS: SQSDeveloperGuide/FIFO-queues-exactly-once-processing] with ContentBasedDeduplication
    # a body sent twice within the 5-minute interval is accepted but delivered once.
    url = sqs.create_queue(
        QueueName=f"dedup-{uuid.uuid4().hex[:8]}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="the same share", MessageGroupId="g")
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in received] == ["the same share"]


def test_patching_twice_wraps_once():
    from moto.sqs.models import SQSBackend

    sqs_send_cost.skip_queue_counts_in_sends()
    sqs_send_cost.skip_queue_counts_in_sends()
    assert SQSBackend.send_message.counts_skipped
    assert not getattr(SQSBackend.send_message.__wrapped__, "counts_skipped", False)
