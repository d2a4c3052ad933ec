"""What SNS POSTs to an HTTP(S) endpoint: the JSON bodies [sns-message-and-json-formats] and
the headers [http-header]."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from harness.clock import clock
from harness.data_plane.sns_delivery.signing import Signer

USER_AGENT = "Amazon Simple Notification Service Agent"
DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"


def timestamp() -> str:
    moment = datetime.fromtimestamp(clock.now(), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class MessageMaker:
    """Builds and signs each message; `front_url` is where its URLs point (the API front)."""

    def __init__(self, front_url: str, signer: Signer) -> None:
        self.front_url = front_url.rstrip("/")
        self.signer = signer

    @property
    def cert_url(self) -> str:
        return f"{self.front_url}/{self.signer.cert_name}"

    def _action_url(self, **params: str) -> str:
        return f"{self.front_url}/?{urlencode(params, safe=':')}"  # as AWS writes them

    def _signed(self, message: dict, version: str) -> dict:
        message["SignatureVersion"] = version
        message["Signature"] = self.signer.sign(message, version)
        message["SigningCertURL"] = self.cert_url
        return message

    def confirmation(self, topic_arn: str, token: str, version: str, unsubscribed=False) -> dict:
        kind = "UnsubscribeConfirmation" if unsubscribed else "SubscriptionConfirmation"
        text = (
            f"You have chosen to deactivate subscription to the topic {topic_arn}.\n"
            if unsubscribed
            else f"You have chosen to subscribe to the topic {topic_arn}.\n"
        ) + "To confirm the subscription, visit the SubscribeURL included in this message."
        message = {
            "Type": kind,
            "MessageId": str(uuid.uuid4()),
            "Token": token,
            "TopicArn": topic_arn,
            "Message": text,
            "SubscribeURL": self._action_url(
                Action="ConfirmSubscription", TopicArn=topic_arn, Token=token
            ),
            "Timestamp": timestamp(),
        }
        return self._signed(message, version)

    def notification(self, held: dict, subscription_arn: str, attributes: dict, version) -> dict:
        """`held` is the emulator's notification (MessageId, Message for this protocol,
        Subject, Timestamp); `attributes` the Publish call's message attributes."""
        message = {
            "Type": "Notification",
            "MessageId": held["MessageId"],
            "TopicArn": held["TopicArn"],
            **({"Subject": held["Subject"]} if held.get("Subject") else {}),
            "Message": held["Message"],
            "Timestamp": held.get("Timestamp") or timestamp(),
        }
        self._signed(message, version)
        message["UnsubscribeURL"] = self._action_url(
            Action="Unsubscribe", SubscriptionArn=subscription_arn
        )
        if attributes:
            message["MessageAttributes"] = attributes
        return message


def content_type(subscription: dict, topic: dict) -> str:
    """A notification's Content-Type: `requestPolicy.headerContentType` of the subscription's
    DeliveryPolicy, else the topic's `http.defaultRequestPolicy`, else text/plain
    [http-header, sns-message-delivery-retries: creating-delivery-policy]."""
    for document, path in (
        (subscription.get("DeliveryPolicy"), ("requestPolicy",)),
        (topic.get("DeliveryPolicy"), ("http", "defaultRequestPolicy")),
    ):
        try:
            policy = json.loads(document or "{}")
        except ValueError:
            continue
        for key in path:
            policy = policy.get(key) if isinstance(policy, dict) else None
        if isinstance(policy, dict) and policy.get("headerContentType"):
            return policy["headerContentType"]
    return DEFAULT_CONTENT_TYPE


def headers(message: dict, subscription_arn, raw=False, content_type=None) -> dict[str, str]:
    found = {
        "Content-Type": content_type or DEFAULT_CONTENT_TYPE,
        "User-Agent": USER_AGENT,
        "x-amz-sns-message-type": message["Type"],
        "x-amz-sns-message-id": message["MessageId"],
        "x-amz-sns-topic-arn": message["TopicArn"],
    }
    if subscription_arn and message["Type"] != "SubscriptionConfirmation":
        found["x-amz-sns-subscription-arn"] = subscription_arn
    if raw:
        found["x-amz-sns-rawdelivery"] = "true"
    return found


def body(message: dict, raw: bool = False) -> bytes:
    return (message["Message"] if raw else json.dumps(message, indent=2)).encode()
