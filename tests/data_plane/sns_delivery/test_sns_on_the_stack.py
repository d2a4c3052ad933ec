"""SNS delivery on a running stack, on both paths a call takes: the API tasks' (fault proxy ->
IAM gate -> API front) and the AWS CLI's (`harness env` points AWS_ENDPOINT_URL_SNS at the
API front). Pages: SendMessageToHttp.confirm, http-header, sns-message-delivery-retries."""

from __future__ import annotations

import json
import uuid

import boto3

from harness.plumbing.waiting import wait_until

PATIENCE = 60  # generous: a share crosses the whole stack on a loaded machine


def cli_sns(stack):
    """An SNS client configured only from what `harness env` prints."""
    env = stack.endpoints.env()
    return boto3.client(
        "sns",
        endpoint_url=env["AWS_ENDPOINT_URL_SNS"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def test_a_follow_is_confirmed_by_the_device_and_its_push_carries_snss_headers(
    stack, make_user, make_api, push_sink
):
    follower, sharer = make_user(), make_user()
    genre = f"sns-{follower.device_id[:8]}"
    device_url = push_sink.device_url(follower.device_id)
    followed = make_api(follower).put(
        "/api/me/follows", json={"genres": [genre], "endpoint": device_url}
    )
    assert followed.status_code == 200, followed.text
    arn = followed.json()["subscription_arn"]

    assert push_sink.wait_confirmed(follower.device_id, PATIENCE), "the device never confirmed"
    found = cli_sns(stack).get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert (found["PendingConfirmation"], found["Endpoint"]) == ("false", device_url)

    title = f"Pushed {uuid.uuid4().hex[:6]}"
    shared = make_api(sharer).post(
        "/api/anime", json={"title": title, "genres": [genre], "year": 2020}
    )
    assert shared.status_code == 201, shared.text
    note = push_sink.wait_for(
        follower.device_id, lambda n: n["message"]["anime"]["title"] == title, PATIENCE
    )
    assert note is not None, "no push for the followed genre"
    assert note["headers"]["x-amz-sns-message-type"] == "Notification"
    assert note["headers"]["x-amz-sns-subscription-arn"] == arn
    assert note["headers"]["x-amz-sns-message-id"] == note["message_id"]
    assert json.loads(note["attributes"]["genre"]) == [genre]


def test_the_cli_path_keeps_a_subscription_pending_and_publish_succeeds_to_a_failing_device(
    stack, make_recorder
):
    sns = cli_sns(stack)
    topic = sns.create_topic(Name=f"cli-{uuid.uuid4().hex[:6]}")["TopicArn"]
    failing = make_recorder(statuses=(500,))
    try:
        answer = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=failing.url)
        assert answer["SubscriptionArn"] == "pending confirmation"
        wait_until(
            lambda: failing.of_type("SubscriptionConfirmation"),
            what="the SubscriptionConfirmation POST",
            timeout=PATIENCE,
        )

        published = sns.publish(TopicArn=topic, Message="to a failing device")

        assert published["ResponseMetadata"]["HTTPStatusCode"] == 200
        (listed,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert (listed["SubscriptionArn"], listed["Endpoint"]) == (
            "PendingConfirmation",
            failing.url,
        )
        assert failing.of_type("Notification") == []
    finally:
        sns.delete_topic(TopicArn=topic)
