"""SNS through the API front: HTTP(S) subscriptions as AWS handles them, with the delivery
part (data_plane/sns_delivery) doing the sending.

- Subscribe (http/https): the emulator gets a hold URL for the endpoint; the subscription is
  pending, its confirmation is POSTed, and the answer is "pending confirmation" unless
  ReturnSubscriptionArn (Subscribe API reference).
- ConfirmSubscription, signed or as the SubscribeURL a device GETs, confirms it by token.
- Unsubscribe, signed or as the UnsubscribeURL a device GETs.
- Publish is forwarded; what the emulator held for it is delivered after the answer.
- ListSubscriptions(ByTopic) and GetSubscriptionAttributes show the real endpoint,
  `PendingConfirmation` for a pending subscription's ARN in lists, and the PendingConfirmation
  and ConfirmationWasAuthenticated attributes."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape

from botocore.exceptions import ClientError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from harness.data_plane.api_front.app import relay
from harness.data_plane.sns_delivery.subscriptions import HOLD_PATH, endpoint_of_hold
from harness.plumbing.form_fields import ACTION, form_pairs

XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/"
ARN = re.compile(rb"<SubscriptionArn>([^<]*)</SubscriptionArn>")
MESSAGE_ID = re.compile(rb"<MessageId>([^<]*)</MessageId>")
MEMBER = re.compile(rb"<member>.*?</member>", re.DOTALL)
ATTRIBUTE = r"(<key>{}</key>\s*<value>)[^<]*(</value>)"
LISTINGS = ("ListSubscriptions", "ListSubscriptionsByTopic", "GetSubscriptionAttributes")


def _xml(action: str, result: str = "", status: int = 200) -> Response:
    inner = f"<{action}Result>{result}</{action}Result>" if result else ""
    text = (
        f'<{action}Response xmlns="{XMLNS}">{inner}<ResponseMetadata><RequestId>'
        f"{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>"
    )
    return Response(text, status_code=status, media_type="text/xml")


def _error(code: str, message: str, status: int) -> Response:
    text = (
        f'<ErrorResponse xmlns="{XMLNS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
        "</ErrorResponse>"
    )
    return Response(text, status_code=status, media_type="text/xml")


def _publish_field(name: str) -> bool:
    return name.startswith("MessageAttributes.")


def message_attributes(params: dict[str, str]) -> dict:
    """Publish's MessageAttributes.entry.N as the JSON body carries them: {name: {Type, Value}}."""
    found = {}
    for key, name in params.items():
        match = re.fullmatch(r"MessageAttributes\.entry\.(\d+)\.Name", key)
        if match:
            prefix = f"MessageAttributes.entry.{match.group(1)}.Value."
            value = params.get(prefix + "StringValue", params.get(prefix + "BinaryValue", ""))
            found[name] = {"Type": params.get(prefix + "DataType", "String"), "Value": value}
    return found


class SnsInterceptor:
    def __init__(self, delivery) -> None:
        self.delivery = delivery

    async def answer(self, request: Request, body: bytes, upstream) -> Response | None:
        path = request.url.path
        if path.startswith(HOLD_PATH):
            return await self._held(path[len(HOLD_PATH) :], body)
        if path == f"/{self.delivery.signer.cert_name}":
            return Response(self.delivery.signer.cert_pem, media_type="application/x-pem-file")
        form = f"{request.url.query}&{body.decode('utf-8', 'replace')}"
        action = dict(form_pairs(form, ACTION.__contains__)).get("Action")
        if action == "Publish":  # only its attributes are read: its Message is not decoded
            params = dict(form_pairs(form, _publish_field))
        else:
            params = dict(parse_qsl(form))
        signed = "authorization" in request.headers
        if action == "Subscribe" and params.get("Protocol") in ("http", "https"):
            return await self._subscribe(request, params, upstream)
        if action == "ConfirmSubscription":
            return self._confirm(params, signed)
        if action == "Unsubscribe":
            return await self._unsubscribe(request, body, params, upstream, signed)
        if action == "Publish":
            return await self._publish(request, body, params, upstream)
        if action in LISTINGS:
            answer = await upstream.forward(request, body)
            return relay(answer, self._shown(answer.content, action))
        return None

    async def _held(self, encoded: str, body: bytes) -> Response:
        try:
            envelope = json.loads(body)
            endpoint_of_hold(encoded)
        except ValueError:
            return Response(status_code=400)
        kind = envelope.get("Type") if isinstance(envelope, dict) else None
        if kind == "Notification":
            self.delivery.held(encoded, envelope)
        elif kind == "SubscriptionConfirmation":
            # An emulator that confirms as SNS does (LocalStack): the hold is the harness's
            # own subscription there, so it is confirmed at once; the fan's stays pending.
            self.delivery.deliverer.later(self.delivery.visit, envelope.get("SubscribeURL", ""))
        return Response(status_code=200)

    async def _subscribe(self, request: Request, params: dict, upstream) -> Response:
        endpoint = params.get("Endpoint", "")
        held = {**params, "Endpoint": self.delivery.hold_url(endpoint)}
        answer = await upstream.forward(request, urlencode(held).encode())
        found = ARN.search(answer.content)
        if answer.status_code != 200 or found is None:
            return relay(answer)
        arn = found.group(1).decode()
        sub = self.delivery.subscribed(arn, params["TopicArn"], endpoint, params["Protocol"])
        if sub.confirmed or params.get("ReturnSubscriptionArn", "").lower() == "true":
            return relay(answer)
        shown = ARN.sub(b"<SubscriptionArn>pending confirmation</SubscriptionArn>", answer.content)
        return relay(answer, shown)

    def _confirm(self, params: dict, signed: bool) -> Response:
        topic, token = params.get("TopicArn", ""), params.get("Token", "")
        locks = params.get("AuthenticateOnUnsubscribe", "").lower() == "true"
        sub = self.delivery.confirm(topic, token, signed, locks)
        if sub is None:
            return _error("InvalidParameter", "Invalid token", 400)
        return _xml("ConfirmSubscription", f"<SubscriptionArn>{sub.arn}</SubscriptionArn>")

    async def _unsubscribe(self, request, body, params, upstream, signed) -> Response:
        arn = params.get("SubscriptionArn", "")
        if signed:
            answer = await upstream.forward(request, body)
            if answer.status_code == 200:
                self.delivery.unsubscribed(arn)
            return relay(answer)
        # The UnsubscribeURL of a notification, GET by the device.
        sub = self.delivery.subscriptions.get(arn)
        if sub is not None and sub.unsubscribe_needs_signature:
            return _error("AuthorizationError", "Unsubscribe requires AWS authentication", 403)
        try:
            await run_in_threadpool(self.delivery.sns.unsubscribe, SubscriptionArn=arn)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            return _error(error.get("Code", "InvalidParameter"), error.get("Message", ""), status)
        self.delivery.unsubscribed(arn)
        return _xml("Unsubscribe")

    async def _publish(self, request, body, params, upstream) -> Response:
        attributes = message_attributes(params)
        answer = await upstream.forward(request, body)
        found = MESSAGE_ID.search(answer.content)
        if answer.status_code == 200 and found is not None:
            self.delivery.published(found.group(1).decode(), attributes)
        return relay(answer)

    def _shown(self, content: bytes, action: str) -> bytes:
        """The emulator's answer with real endpoints and confirmation states."""
        text = content.decode("utf-8")
        hold = re.escape(self.delivery.hold_url(""))
        text = re.sub(hold + r"([A-Za-z0-9_-]*)", lambda m: escape(endpoint_of_hold(m[1])), text)
        if action == "GetSubscriptionAttributes":
            found = ARN.search(content) or re.search(
                rb"<key>SubscriptionArn</key>\s*<value>([^<]*)</value>", content
            )
            sub = self.delivery.subscriptions.get(found.group(1).decode()) if found else None
            if sub is not None:
                for key, value in (
                    ("PendingConfirmation", str(not sub.confirmed).lower()),
                    ("ConfirmationWasAuthenticated", str(sub.authenticated).lower()),
                ):
                    text = re.sub(ATTRIBUTE.format(key), rf"\g<1>{value}\g<2>", text)
            return text.encode()
        return MEMBER.sub(self._pending_member, text.encode())

    def _pending_member(self, match: re.Match) -> bytes:
        member = match.group(0)
        found = ARN.search(member)
        sub = self.delivery.subscriptions.get(found.group(1).decode()) if found else None
        if sub is None or sub.confirmed:
            return member
        return ARN.sub(b"<SubscriptionArn>PendingConfirmation</SubscriptionArn>", member)
