"""The embedded moto's SNS signs what it delivers to SQS with one certificate per region, as
SNS does: the SigningCertURL is the same from message to message
(https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html), the
certificate there verifies each message's signature (Subject included), and the message is
otherwise the one moto makes."""

import io
import json
import pickle
import uuid

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

from harness.control_plane.backends import embedded_snapshot, sns_regional_cert
from harness.data_plane.sns_delivery.signing import Signer, verify

REGION = "us-east-1"


@pytest.fixture
def topic_queue(endpoints):
    """A topic, and a queue subscribed to it (not raw: each message is SNS's JSON)."""
    sns, sqs = endpoints.client("sns"), endpoints.client("sqs")
    name = f"regional-{uuid.uuid4().hex[:8]}"
    topic = sns.create_topic(Name=name)["TopicArn"]
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue["Attributes"]["QueueArn"])
    return sns, sqs, topic, url


def delivered(sqs, url: str, count: int) -> list[dict]:
    messages: list[dict] = []
    while len(messages) < count:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5)
        messages += [json.loads(m["Body"]) for m in answer.get("Messages", [])]
    return messages


def certificate(endpoints, cert_url: str) -> bytes:
    """GET the SigningCertURL's path from the emulator (moto's server finds the service a
    request is for by its signature, not by the host name)."""
    path = cert_url.removeprefix(f"https://sns.{REGION}.amazonaws.com")
    request = AWSRequest("GET", endpoints.default + path)
    keys = Credentials(endpoints.access_key_id, endpoints.secret_access_key)
    SigV4Auth(keys, "sns", REGION).add_auth(request)
    answer = httpx.get(request.url, headers=dict(request.headers), trust_env=False)
    assert answer.status_code == 200, answer.text
    return answer.content


def test_every_message_names_the_regions_one_certificate_and_verifies(endpoints, topic_queue):
    sns, sqs, topic, url = topic_queue
    sns.publish(TopicArn=topic, Message="first")
    sns.publish(TopicArn=topic, Message="second", Subject="with a subject")
    first, second = sorted(delivered(sqs, url, 2), key=lambda m: m["Message"])
    assert first["SigningCertURL"] == second["SigningCertURL"]
    assert first["SigningCertURL"].startswith(
        f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-"
    )
    pem = certificate(endpoints, first["SigningCertURL"])
    for message in (first, second):
        assert message["SignatureVersion"] == "2"
        assert verify(message, pem)
        assert not verify(message | {"Message": "tampered"}, pem)
    assert second["Subject"] == "with a subject"
    assert not verify(second | {"Subject": "another subject"}, pem)


def test_an_expired_certificate_is_replaced_and_the_old_one_still_served(
    endpoints, topic_queue, monkeypatch
):
    sns, sqs, topic, url = topic_queue
    sns.publish(TopicArn=topic, Message="before")
    (before,) = delivered(sqs, url, 1)
    signer = sns_regional_cert.regional_signer(REGION)
    monkeypatch.setattr(signer, "expired", lambda: True)
    sns.publish(TopicArn=topic, Message="after")
    (after,) = delivered(sqs, url, 1)
    assert after["SigningCertURL"] != before["SigningCertURL"]
    assert verify(after, certificate(endpoints, after["SigningCertURL"]))
    assert verify(before, certificate(endpoints, before["SigningCertURL"]))
    assert not verify(before, certificate(endpoints, after["SigningCertURL"]))


def test_a_reset_backend_gets_a_certificate_of_its_own(endpoints, topic_queue):
    kept = sns_regional_cert.regional_signer(REGION)
    backend = sns_backends[DEFAULT_ACCOUNT_ID][REGION]
    del backend.harness_signer  # as a new backend (after moto's reset) starts
    fresh = sns_regional_cert.regional_signer(REGION)
    assert fresh.cert_name != kept.cert_name
    assert backend._message_public_keys[fresh.cert_name] == fresh.cert_pem


def test_the_message_is_motos_but_for_its_signature_and_certificate(endpoints, topic_queue):
    sns, _, topic, _ = topic_queue
    backend = sns_backends[DEFAULT_ACCOUNT_ID][REGION]
    (subscription,) = [s for s in backend.subscriptions.values() if s.topic.arn == topic]
    attributes = {"genre": {"Type": "String", "Value": "mecha"}}
    args = ("a message", "a-message-id", "a subject")
    ours = subscription.get_post_data(*args, message_attributes=attributes)
    motos = sns_regional_cert.moto_post_data(subscription, *args, message_attributes=attributes)
    assert list(ours) == list(motos)
    differ = {"Signature", "SigningCertURL", "Timestamp"}
    assert {k: v for k, v in ours.items() if k not in differ} == {
        k: v for k, v in motos.items() if k not in differ
    }
    assert ours["Timestamp"][:16] == motos["Timestamp"][:16]  # the same format and minute


@pytest.fixture
def signatures(monkeypatch):
    """The messages signed so far (their MessageId)."""
    signed = []
    sign = Signer.sign

    def counted(signer, message, version):
        signed.append(message["MessageId"])
        return sign(signer, message, version)

    monkeypatch.setattr(Signer, "sign", counted)
    return signed


def queue_messages(url: str) -> list:
    name = url.rsplit("/", 1)[-1]
    return list(sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues[name].messages)


def test_a_standard_queues_message_is_signed_when_first_read(topic_queue, signatures):
    sns, sqs, topic, url = topic_queue
    message_id = sns.publish(TopicArn=topic, Message="read later")["MessageId"]
    (queued,) = queue_messages(url)
    assert signatures == []
    # botocore checks MD5OfBody against the body it receives
    (message,) = delivered(sqs, url, 1)
    assert signatures == [message_id]
    assert verify(message, sns_regional_cert.regional_signer(REGION).cert_pem)
    assert json.loads(queued.body) == message  # read again: the same, not signed again
    assert signatures == [message_id], signatures


def test_a_fifo_queues_message_is_signed_at_once(endpoints, signatures):
    sns, sqs = endpoints.client("sns"), endpoints.client("sqs")
    name = f"regional-{uuid.uuid4().hex[:8]}.fifo"
    topic = sns.create_topic(
        Name=name, Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"}
    )["TopicArn"]
    url = sqs.create_queue(
        QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["QueueArn"])
    message_id = sns.publish(TopicArn=topic, Message="fifo", MessageGroupId="g")["MessageId"]
    assert signatures == [message_id]
    (message,) = delivered(sqs, url, 1)
    assert verify(message, sns_regional_cert.regional_signer(REGION).cert_pem)


def test_an_unsigned_message_in_a_snapshot_is_signed_when_read_after_restore(topic_queue):
    sns, _, topic, url = topic_queue
    sns.publish(TopicArn=topic, Message="snapshotted")
    (queued,) = queue_messages(url)
    buffer = io.BytesIO()
    embedded_snapshot._Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(queued)
    restored = pickle.loads(buffer.getvalue())
    assert restored.body == queued.body
    assert verify(json.loads(restored.body), sns_regional_cert.regional_signer(REGION).cert_pem)
