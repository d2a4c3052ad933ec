"""SNS delivery to HTTP(S) subscriptions, as AWS documents it, through the API front (the
endpoint `harness env` gives the AWS CLI and the tasks' calls reach). Pages, by the short name
AWS-RULES.md uses: SendMessageToHttp.confirm / http-subscription-confirmation-json (pending
until the SubscribeURL is visited), sns-message-and-json-formats and http-header (body and
headers), sns-verify-signature-of-message, sns-message-delivery-retries and
SendMessageToHttp.prepare (retry policy; what counts as failed), sns-subscription-filter-policies,
and the Subscribe / ConfirmSubscription API reference."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from botocore.exceptions import ClientError

from harness.data_plane.sns_delivery.signing import verify
from harness.plumbing.waiting import wait_until

PATIENCE = 30  # only catches a hang


def wait_posts(recorder, kind: str, count: int = 1) -> list[dict]:
    return wait_until(
        lambda: len(recorder.of_type(kind)) >= count and recorder.bodies(kind),
        what=f"{count} {kind} POST(s) at the endpoint",
        timeout=PATIENCE,
    )


def subscribe(world, topic: str, endpoint: str, **extra) -> str:
    return world.sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint, **extra)[
        "SubscriptionArn"
    ]


def attributes(world, arn: str) -> dict:
    return world.sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]


def confirm_by_visiting(confirmation: dict) -> httpx.Response:
    return httpx.get(confirmation["SubscribeURL"], trust_env=False, timeout=10)


def test_an_http_subscription_is_pending_and_gets_nothing_until_its_subscribe_url_is_visited(
    world,
):
    """Subscribe API reference: without ReturnSubscriptionArn a pending subscription's ARN reads
    "pending confirmation"; SendMessageToHttp.confirm: SNS POSTs a SubscriptionConfirmation and
    delivers nothing until the SubscribeURL is visited."""
    topic = world.topic(f"pending-{uuid.uuid4().hex[:6]}")
    device = world.recorder()

    assert subscribe(world, topic, device.url) == "pending confirmation"
    (confirmation,) = wait_posts(device, "SubscriptionConfirmation")
    listed = world.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["SubscriptionArn"], s["Endpoint"]) for s in listed] == [
        ("PendingConfirmation", device.url)
    ]
    world.sns.publish(TopicArn=topic, Message="before confirmation")

    assert confirm_by_visiting(confirmation).status_code == 200
    world.sns.publish(TopicArn=topic, Message="after confirmation")

    (notification,) = wait_posts(device, "Notification")
    assert notification["Message"] == "after confirmation"
    assert world.delivery.health()["not_delivered_pending"] == 1
    (listed,) = world.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    found = attributes(world, listed["SubscriptionArn"])
    assert found["PendingConfirmation"] == "false"
    assert found["ConfirmationWasAuthenticated"] == "false"  # a GET of the URL: unsigned
    assert found["Endpoint"] == device.url


def test_the_confirmation_message_and_a_wrong_token(world):
    """http-subscription-confirmation-json: Type, MessageId, Token, TopicArn, Message,
    SubscribeURL, Timestamp, SignatureVersion, Signature, SigningCertURL; ReturnSubscriptionArn
    gives the pending subscription's ARN; ConfirmSubscription with a wrong token is refused."""
    topic = world.topic(f"confirm-{uuid.uuid4().hex[:6]}")
    device = world.recorder()
    arn = subscribe(world, topic, device.url, ReturnSubscriptionArn=True)
    assert arn.startswith(topic + ":")
    (confirmation,) = wait_posts(device, "SubscriptionConfirmation")
    (post,) = device.of_type("SubscriptionConfirmation")

    assert set(confirmation) == {
        "Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL", "Timestamp",
        "SignatureVersion", "Signature", "SigningCertURL",
    }  # fmt: skip
    assert confirmation["TopicArn"] == topic
    assert post["headers"]["content-type"] == "text/plain; charset=UTF-8"
    assert post["headers"]["x-amz-sns-topic-arn"] == topic
    assert attributes(world, arn)["PendingConfirmation"] == "true"
    with pytest.raises(ClientError, match="InvalidParameter"):
        world.sns.confirm_subscription(TopicArn=topic, Token="0" * 128)

    confirmed = world.sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])

    assert confirmed["SubscriptionArn"] == arn
    assert attributes(world, arn)["ConfirmationWasAuthenticated"] == "true"  # signed call


def test_the_push_sink_confirms_as_a_device_backend_does(world):
    topic = world.topic(f"sink-{uuid.uuid4().hex[:6]}")
    arn = subscribe(world, topic, world.push_sink.device_url("phone"), ReturnSubscriptionArn=True)

    assert world.push_sink.wait_confirmed("phone", PATIENCE) is not None
    assert attributes(world, arn)["PendingConfirmation"] == "false"


def confirmed_device(world, topic: str, statuses=(200,), **subscription) -> tuple:
    device = world.recorder(statuses=[200, *statuses])  # the confirmation POST succeeds
    arn = subscribe(world, topic, device.url, ReturnSubscriptionArn=True, **subscription)
    (confirmation,) = wait_posts(device, "SubscriptionConfirmation")
    assert confirm_by_visiting(confirmation).status_code == 200
    return device, arn


def test_a_notification_carries_snss_headers_and_a_signed_json_body(world):
    """http-header: x-amz-sns-message-type, -message-id, -topic-arn, -subscription-arn,
    text/plain; sns-message-and-json-formats: the Notification body with MessageAttributes;
    sns-verify-signature-of-message: the signature verifies with the certificate at
    SigningCertURL (SignatureVersion 1, SHA1, unless the topic says 2)."""
    topic = world.topic(f"format-{uuid.uuid4().hex[:6]}")
    device, arn = confirmed_device(world, topic)

    message_id = world.sns.publish(
        TopicArn=topic,
        Message=json.dumps({"title": "Mushishi"}),
        Subject="shared",
        MessageAttributes={"genre": {"DataType": "String.Array", "StringValue": '["iyashikei"]'}},
    )["MessageId"]

    (body,) = wait_posts(device, "Notification")
    (post,) = device.of_type("Notification")
    assert {k: v for k, v in post["headers"].items() if k.startswith("x-amz-sns-")} == {
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic,
        "x-amz-sns-subscription-arn": arn,
    }
    assert post["headers"]["content-type"] == "text/plain; charset=UTF-8"
    assert body["MessageId"] == message_id and body["Subject"] == "shared"
    assert json.loads(body["Message"]) == {"title": "Mushishi"}
    assert body["MessageAttributes"] == {
        "genre": {"Type": "String.Array", "Value": '["iyashikei"]'}
    }
    assert body["SignatureVersion"] == "1"
    assert arn in body["UnsubscribeURL"]
    certificate = httpx.get(body["SigningCertURL"], trust_env=False, timeout=10).content
    assert verify(body, certificate)
    assert not verify(body | {"Message": "tampered"}, certificate)


def test_a_failing_endpoint_never_fails_publish_and_gets_3_retries_20_s_apart(world):
    """sns-message-delivery-retries / SendMessageToHttp.retry: by default up to three retries,
    20 s apart; SendMessageToHttp.prepare: an answer outside 200-4xx is a failed attempt."""
    topic = world.topic(f"retry-{uuid.uuid4().hex[:6]}")
    device, _ = confirmed_device(world, topic, statuses=(500,))

    answered = world.sns.publish(TopicArn=topic, Message="to a broken device")

    assert answered["ResponseMetadata"]["HTTPStatusCode"] == 200
    for attempt in (1, 2, 3):
        wait_posts(device, "Notification", attempt)
        wait_until(
            lambda: world.delivery.deliverer.waiting() == 1,
            what=f"retry {attempt} scheduled",
            timeout=PATIENCE,
        )
        assert len(device.of_type("Notification")) == attempt  # no retry before the delay
        world.clock.advance(20)
    wait_posts(device, "Notification", 4)
    wait_until(
        lambda: world.delivery.health()["dropped"] == 1, what="the message dropped", timeout=30
    )
    assert world.delivery.health()["retries_waiting"] == 0
    assert len(device.of_type("Notification")) == 4
    ids = {p["headers"]["x-amz-sns-message-id"] for p in device.of_type("Notification")}
    assert ids == {answered["MessageId"]}  # a retry keeps the message id (http-header)


def test_a_4xx_answer_is_not_retried(world):
    topic = world.topic(f"client-error-{uuid.uuid4().hex[:6]}")
    device, _ = confirmed_device(world, topic, statuses=(404, 200))

    world.sns.publish(TopicArn=topic, Message="to a device that is gone")

    wait_posts(device, "Notification")
    world.clock.advance(20)
    wait_until(
        lambda: world.delivery.health()["delivered"] >= 1, what="the attempt counted", timeout=30
    )
    assert world.delivery.health()["retries_waiting"] == 0
    assert len(device.of_type("Notification")) == 1


def test_the_filter_policy_is_applied_with_string_array_attributes(world):
    """sns-subscription-filter-policies: a String.Array attribute matches when any element
    matches the policy."""
    topic = world.topic(f"filter-{uuid.uuid4().hex[:6]}")
    device, _ = confirmed_device(
        world, topic, Attributes={"FilterPolicy": json.dumps({"genre": ["mecha"]})}
    )

    for title, genres in (("Clannad", ["drama"]), ("Evangelion", ["drama", "mecha"])):
        world.sns.publish(
            TopicArn=topic,
            Message=title,
            MessageAttributes={
                "genre": {"DataType": "String.Array", "StringValue": json.dumps(genres)}
            },
        )

    wait_posts(device, "Notification")
    assert [b["Message"] for b in device.bodies("Notification")] == ["Evangelion"]


def test_raw_message_delivery_posts_the_message_alone(world):
    """sns-large-payload-raw-message-delivery: the body is the message, with
    x-amz-sns-rawdelivery: true."""
    topic = world.topic(f"raw-{uuid.uuid4().hex[:6]}")
    device, _ = confirmed_device(world, topic, Attributes={"RawMessageDelivery": "true"})

    world.sns.publish(TopicArn=topic, Message="just this")

    wait_until(lambda: device.of_type("Notification"), what="the raw POST", timeout=PATIENCE)
    (post,) = device.of_type("Notification")
    assert post["body"] == "just this"
    assert post["headers"]["x-amz-sns-rawdelivery"] == "true"


def test_unsubscribe_url_ends_the_deliveries(world):
    topic = world.topic(f"unsub-{uuid.uuid4().hex[:6]}")
    device, arn = confirmed_device(world, topic)
    world.sns.publish(TopicArn=topic, Message="one")
    (body,) = wait_posts(device, "Notification")

    assert httpx.get(body["UnsubscribeURL"], trust_env=False, timeout=10).status_code == 200

    wait_posts(device, "UnsubscribeConfirmation")
    topics = world.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert arn not in [s["SubscriptionArn"] for s in topics]


def test_an_emulators_own_confirmation_of_a_hold_url_is_visited(world):
    """Plumbing, not an AWS rule: an emulator that confirms as SNS does (LocalStack) POSTs its
    SubscriptionConfirmation to the hold URL; the harness visits it so the emulator delivers."""
    emulator_confirm = world.recorder()
    hold = world.delivery.hold_url("http://device.example/")
    envelope = {"Type": "SubscriptionConfirmation", "SubscribeURL": emulator_confirm.url}

    assert httpx.post(hold, content=json.dumps(envelope), trust_env=False).status_code == 200

    wait_until(lambda: emulator_confirm.posts, what="the SubscribeURL visited", timeout=PATIENCE)


def test_a_confirmation_token_is_valid_for_three_days(world):
    """Subscribe API reference: "Confirmation tokens are valid for three days"."""
    topic = world.topic(f"expiry-{uuid.uuid4().hex[:6]}")
    late, in_time = world.recorder(), world.recorder()
    subscribe(world, topic, late.url)
    subscribe(world, topic, in_time.url)
    (stale,) = wait_posts(late, "SubscriptionConfirmation")
    (fresh,) = wait_posts(in_time, "SubscriptionConfirmation")

    world.clock.advance(3 * 86400 - 60)
    assert confirm_by_visiting(fresh).status_code == 200
    world.clock.advance(120)
    refused = confirm_by_visiting(stale)

    assert refused.status_code == 400 and "InvalidParameter" in refused.text
    states = {
        s["Endpoint"]: s["SubscriptionArn"]
        for s in world.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    }
    assert states[late.url] == "PendingConfirmation"
    assert states[in_time.url] != "PendingConfirmation"


def test_authenticate_on_unsubscribe_refuses_the_unsigned_unsubscribe_url(world):
    """ConfirmSubscription API reference: with AuthenticateOnUnsubscribe true on a signed
    confirmation, unsubscribing requires AWS authentication."""
    topic = world.topic(f"locked-{uuid.uuid4().hex[:6]}")
    device = world.recorder()
    arn = subscribe(world, topic, device.url, ReturnSubscriptionArn=True)
    (confirmation,) = wait_posts(device, "SubscriptionConfirmation")
    world.sns.confirm_subscription(
        TopicArn=topic, Token=confirmation["Token"], AuthenticateOnUnsubscribe="true"
    )
    world.sns.publish(TopicArn=topic, Message="one")
    (body,) = wait_posts(device, "Notification")

    refused = httpx.get(body["UnsubscribeURL"], trust_env=False, timeout=10)

    assert refused.status_code == 403 and "AuthorizationError" in refused.text
    assert attributes(world, arn)["PendingConfirmation"] == "false"
    world.sns.unsubscribe(SubscriptionArn=arn)  # signed: allowed
    assert world.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_a_delivery_policys_header_content_type_sets_the_notifications_content_type(world):
    """http-header: text/plain by default; sns-message-delivery-retries (creating an HTTP/S
    delivery policy): requestPolicy.headerContentType chooses another."""
    topic = world.topic(f"content-type-{uuid.uuid4().hex[:6]}")
    policy = {"requestPolicy": {"headerContentType": "application/json"}}
    device, _ = confirmed_device(world, topic, Attributes={"DeliveryPolicy": json.dumps(policy)})

    world.sns.publish(TopicArn=topic, Message="typed")

    wait_posts(device, "Notification")
    (post,) = device.of_type("Notification")
    assert post["headers"]["content-type"] == "application/json"


def test_negative_control_the_emulator_alone_delivers_unconfirmed_and_inside_publish(
    emulator, make_recorder
):
    """What the front corrects: straight to moto, an HTTP subscription is confirmed at once and
    the notification arrives before Publish returns, without SNS's headers. The pending and
    header tests above fail on this path."""
    sns = emulator.client("sns")
    topic = sns.create_topic(Name=f"bare-{uuid.uuid4().hex[:6]}")["TopicArn"]
    device = make_recorder()
    arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=device.url)["SubscriptionArn"]

    sns.publish(TopicArn=topic, Message="straight")

    assert arn != "pending confirmation"
    assert [p["headers"].get("x-amz-sns-message-type") for p in device.posts] == [None]
    assert json.loads(device.posts[0]["body"])["Message"] == "straight"
