"""The signature of an SNS message moto delivers to a standard SQS queue, made when the
message's body is first read (#14).

Signing a message (RSA 2048) costs ~1 ms of CPU, ~10% of the harness process's CPU under share
load, where every share is published to the stack's topic and lands in its queue, which nobody
reads between tests. The body a reader gets is byte for byte the one signing at once makes:
the same fields signed with the same key (PKCS#1 v1.5 signatures are deterministic), in place
of a stand-in of the signature's length, so SQS's size check sees the same length. Every
reader of the body (ReceiveMessage, its MD5, a snapshot of the emulator) goes through
`Message.body`. A FIFO queue's messages are signed at once: content-based deduplication hashes
the body as it is sent."""

from __future__ import annotations

import threading
import uuid

UNSIGNED = "harness_unsigned"  # on a message whose body has not been read yet

_next = threading.local()


class _Unsigned:
    """A message's signature to make: made once, shared by the copies moto makes of the
    message (ReceiveMessage answers a deep copy)."""

    def __init__(self, token: str, signer, fields: dict, version: str) -> None:
        self.token, self.signer, self.fields, self.version = token, signer, fields, version
        self._signature: str | None = None

    def signature(self) -> str:
        if self._signature is None:
            self._signature = self.signer.sign(self.fields, self.version)
        return self._signature

    def __deepcopy__(self, memo) -> _Unsigned:
        return self


def signed_on_read(subscription) -> bool:
    return subscription.protocol == "sqs" and not subscription.endpoint.endswith(".fifo")


def stand_in(signer, fields: dict, version: str) -> str:
    """A stand-in for the signature of the message this thread is about to send to SQS."""
    token = f"unsigned-{uuid.uuid4().hex}".ljust(signer.signature_length, "=")
    _next.pending = _Unsigned(token, signer, dict(fields), version)
    return token


class _SignedOnRead:
    """Message.body: the body as sent, its signature made on the first read."""

    def __get__(self, message, owner=None):
        if message is None:
            return self
        state = message.__dict__
        unsigned = state.get(UNSIGNED)
        if unsigned is not None:
            state["body"] = state["body"].replace(unsigned.token, unsigned.signature(), 1)
            state.pop(UNSIGNED, None)
        return state["body"]

    def __set__(self, message, body: str) -> None:
        state = message.__dict__
        state.pop(UNSIGNED, None)
        pending = getattr(_next, "pending", None)
        if pending is not None and isinstance(body, str) and pending.token in body:
            state[UNSIGNED] = pending
            _next.pending = None
        state["body"] = body


def sign_sqs_deliveries_on_read() -> None:
    """Idempotent; patches moto's SQS messages in this process only."""
    from moto.sqs.models import Message

    if not isinstance(Message.__dict__.get("body"), _SignedOnRead):
        Message.body = _SignedOnRead()
