import json
import time

import boto3
import httpx
import pytest

from harness.data_plane.push_sink import PushSink, PushSinkClient


@pytest.fixture
def sink():
    with_sink = PushSink().start()
    yield with_sink
    with_sink.stop()


def _post(sink: PushSink, device: str, envelope: dict) -> httpx.Response:
    # SNS posts JSON with a text/plain content type.
    return httpx.post(
        sink.device_url(device),
        content=json.dumps(envelope),
        headers={"Content-Type": "text/plain; charset=UTF-8"},
        trust_env=False,
    )


def test_records_a_notification_per_device_and_lists_it_with_open_cors(sink):
    message = {"type": "anime.shared", "anime": {"title": "Mushishi"}}
    envelope = {"Type": "Notification", "MessageId": "m-1", "Message": json.dumps(message)}
    assert _post(sink, "phone-1", envelope).status_code == 200

    assert [n["message"] for n in sink.notifications("phone-1")] == [message]
    assert sink.notifications("phone-2") == []
    listed = httpx.get(
        f"{sink.device_url('phone-1')}/notifications",
        headers={"Origin": "http://127.0.0.1:9"},
        trust_env=False,
    )
    assert listed.headers["access-control-allow-origin"] == "*"
    assert listed.json()[0]["message_id"] == "m-1"


def test_confirms_a_subscription_by_getting_its_subscribe_url(sink):
    confirm_url = f"{sink.url}/health"
    envelope = {
        "Type": "SubscriptionConfirmation",
        "TopicArn": "arn:t",
        "SubscribeURL": confirm_url,
    }
    assert _post(sink, "phone-1", envelope).status_code == 200
    assert sink.confirmations("phone-1") == [
        {"topic_arn": "arn:t", "url": confirm_url, "status": 200}
    ]
    assert sink.notifications("phone-1") == []


def test_refuses_what_is_not_an_sns_message(sink):
    assert _post(sink, "phone-1", {"hello": "world"}).status_code == 400


def test_wait_for_returns_none_after_the_timeout(sink):
    began = time.monotonic()
    assert sink.wait_for("nobody", timeout=0.2) is None
    # About time passing: it waited its whole time-out (no upper bound: that would be a budget).
    assert time.monotonic() - began >= 0.2


def test_sns_delivers_through_a_filter_policy_and_the_client_reads_it(sink):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        sns = boto3.client(
            "sns",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        topic = sns.create_topic(Name="push-sink-test")["TopicArn"]
        sns.subscribe(
            TopicArn=topic,
            Protocol="http",
            Endpoint=sink.device_url("fan-1"),
            Attributes={"FilterPolicy": json.dumps({"genre": ["mecha"]})},
        )

        def publish(title: str, genres: list[str]) -> None:
            sns.publish(
                TopicArn=topic,
                Message=json.dumps({"title": title}),
                MessageAttributes={
                    "genre": {"DataType": "String.Array", "StringValue": json.dumps(genres)}
                },
            )

        publish("Evangelion", ["mecha", "drama"])
        publish("Clannad", ["drama"])
        client = PushSinkClient(sink.url)
        got = client.wait_for("fan-1", lambda n: n["message"]["title"] == "Evangelion", 2)
        assert got is not None
        assert got["topic_arn"] == topic
        assert [n["message"]["title"] for n in client.notifications("fan-1")] == ["Evangelion"]
    finally:
        server.stop()
