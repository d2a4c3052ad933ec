"""SNS's HTTP(S) delivery as a running part: subscriptions stay pending until their
SubscribeURL is visited [SendMessageToHttp.confirm]; notifications are delivered after Publish
has answered, signed, with SNS's headers and body, and retried by the default policy. The API
front (api_front/sns.py) calls it; the emulator keeps topics, subscriptions and filter
policies, and tells which messages matched by POSTing them to a hold URL (subscriptions.py)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import httpx

from harness.clock import clock
from harness.data_plane.sns_delivery import messages
from harness.data_plane.sns_delivery.deliveries import Deliverer, Delivery
from harness.data_plane.sns_delivery.messages import MessageMaker
from harness.data_plane.sns_delivery.signing import Signer
from harness.data_plane.sns_delivery.subscriptions import (
    HttpSubscription,
    Subscriptions,
    endpoint_of_hold,
    hold_url,
)

log = logging.getLogger("harness.data_plane.sns_delivery")

UNPUBLISHED_GRACE = 2.0  # a held message no Publish through the front claimed (PublishBatch)
REMEMBERED = 1000


class SnsDelivery:
    def __init__(
        self, upstream, front_url: str, deliverer: Deliverer | None = None, now=None
    ) -> None:
        self.front_url = front_url.rstrip("/")
        self.sns = upstream.internal_client("sns")  # the emulator itself, not the front
        self.subscriptions = Subscriptions(now or clock.now)
        self.signer = Signer()
        self.maker = MessageMaker(self.front_url, self.signer)
        self.deliverer = deliverer or Deliverer()
        self._lock = threading.Lock()
        self._parked: dict[str, list[tuple[HttpSubscription, dict]]] = {}
        self._published: OrderedDict[str, dict] = OrderedDict()
        self.not_delivered_pending = 0

    @property
    def url(self) -> None:
        return None  # the API front serves its URLs

    def start(self) -> SnsDelivery:
        self.deliverer.start()
        return self

    def stop(self) -> None:
        self.deliverer.stop()

    def __enter__(self) -> SnsDelivery:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def health(self) -> dict:
        return {
            **self.subscriptions.counts(),
            **self.deliverer.counts,
            "not_delivered_pending": self.not_delivered_pending,
            "retries_waiting": self.deliverer.waiting(),
            "recent_attempts": list(self.deliverer.attempts)[-5:],
        }

    # subscriptions ------------------------------------------------------------------------

    def hold_url(self, endpoint: str) -> str:
        return hold_url(self.front_url, endpoint)

    def endpoint_of(self, url: str) -> str:
        prefix = self.hold_url("")
        return endpoint_of_hold(url[len(prefix) :]) if url.startswith(prefix) else url

    def subscribed(self, arn: str, topic_arn: str, endpoint: str, protocol: str):
        """Record the subscription; while it is pending, (re)send its confirmation."""
        sub = self.subscriptions.add(arn, topic_arn, endpoint, protocol)
        if not sub.confirmed:
            self.deliverer.later(self._confirmation, sub, sub.token)
        return sub

    def _confirmation(self, sub: HttpSubscription, token: str) -> None:
        message = self.maker.confirmation(sub.topic_arn, token, self._version(sub.topic_arn))
        self._send(sub.endpoint, message, None)

    def visit(self, url: str) -> None:
        """GET an emulator's own SubscribeURL (for the hold URL it was given)."""
        try:
            httpx.get(url, timeout=15, trust_env=False).raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("could not confirm the emulator's subscription at %s: %s", url, exc)

    def confirm(self, topic_arn: str, token: str, authenticated: bool, locks_unsubscribe=False):
        return self.subscriptions.confirm(topic_arn, token, authenticated, locks_unsubscribe)

    def unsubscribed(self, arn: str) -> None:
        sub = self.subscriptions.remove(arn)
        if sub is not None and sub.confirmed:
            self.deliverer.later(self._unsubscribe_confirmation, sub)

    def _unsubscribe_confirmation(self, sub: HttpSubscription) -> None:
        version = self._version(sub.topic_arn)
        message = self.maker.confirmation(sub.topic_arn, sub.token, version, True)
        self._send(sub.endpoint, message, sub.arn)

    # notifications ------------------------------------------------------------------------

    def held(self, encoded_endpoint: str, envelope: dict) -> None:
        """The emulator matched a message for the subscription held at this URL."""
        endpoint = endpoint_of_hold(encoded_endpoint)
        sub = self.subscriptions.find(envelope.get("TopicArn", ""), endpoint)
        if sub is None or not sub.confirmed:
            with self._lock:
                self.not_delivered_pending += 1  # nothing is delivered before confirmation
            return
        message_id = envelope.get("MessageId", "")
        with self._lock:
            attributes = self._published.get(message_id)
            if attributes is None:
                self._parked.setdefault(message_id, []).append((sub, envelope))
        if attributes is None:
            timer = threading.Timer(UNPUBLISHED_GRACE, self.published, (message_id, None))
            timer.daemon = True
            timer.start()
        else:
            self.deliverer.later(self._notify, sub, envelope, attributes)

    def published(self, message_id: str, attributes: dict | None) -> None:
        """Publish answered with `message_id`: deliver what the emulator held for it."""
        with self._lock:
            if attributes is not None:
                self._published[message_id] = attributes
                while len(self._published) > REMEMBERED:
                    self._published.popitem(last=False)
            held = self._parked.pop(message_id, [])
        for sub, envelope in held:
            self.deliverer.later(self._notify, sub, envelope, attributes or {})

    def _notify(self, sub: HttpSubscription, envelope: dict, attributes: dict) -> None:
        try:
            found = self.sns.get_subscription_attributes(SubscriptionArn=sub.arn)["Attributes"]
        except Exception:  # noqa: BLE001 - unsubscribed meanwhile: nothing to deliver
            return
        raw = found.get("RawMessageDelivery", "false").lower() == "true"
        topic = self._topic(sub.topic_arn)
        version = topic.get("SignatureVersion") or "1"
        message = self.maker.notification(envelope, sub.arn, attributes, version)
        self._send(sub.endpoint, message, sub.arn, raw, messages.content_type(found, topic))

    def _send(self, endpoint, message: dict, arn, raw=False, content_type=None) -> None:
        headers = messages.headers(message, arn, raw, content_type)
        self.deliverer.send(Delivery(endpoint, headers, messages.body(message, raw)))

    def _topic(self, topic_arn: str) -> dict:
        try:
            return self.sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        except Exception:  # noqa: BLE001 - a topic gone: sign as the default
            return {}

    def _version(self, topic_arn: str) -> str:
        return self._topic(topic_arn).get("SignatureVersion") or "1"
