"""What the mail sink received: each message parsed once, kept in arrival order."""

from __future__ import annotations

import email
import email.policy
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from harness.plumbing.waiting import wait_until

Message = dict[str, Any]  # id, from, to, subject, text, received_at


def parse(envelope_from: str, recipients: list[str], data: bytes) -> Message:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    body = parsed.get_body(preferencelist=("plain", "html"))
    return {
        "id": uuid.uuid4().hex,
        "from": envelope_from,
        "to": [r.lower() for r in recipients],
        "subject": str(parsed.get("Subject", "")),
        "text": body.get_content() if body is not None else "",
        "received_at": time.time(),
    }


class Mailbox:
    def __init__(self) -> None:
        self._messages: list[Message] = []
        self._lock = threading.Lock()

    def add(self, message: Message) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self, to: str | None = None) -> list[Message]:
        """Every message, or those addressed to `to` (case-insensitive), oldest first."""
        with self._lock:
            kept = list(self._messages)
        return [m for m in kept if to is None or to.lower() in m["to"]]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {"messages": len(self._messages)}


def wait_for_mail(
    read: Callable[[str], list[Message]], to: str, count: int, timeout: float
) -> Message:
    """The `count`th message `read(to)` lists, once it is there (WaitTimedOut after `timeout`)."""
    return wait_until(
        lambda: (found := read(to)) and len(found) >= count and found[count - 1],
        what=f"mail number {count} to {to}",
        timeout=timeout,
    )
