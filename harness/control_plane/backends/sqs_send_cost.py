"""SQS SendMessage in the embedded moto at a cost that does not grow with the queue (#14).

moto's `send_message` reads one of the queue's attributes, ContentBasedDeduplication, through
`Queue.attributes`, which builds them all; three of them (ApproximateNumberOfMessages,
...Delayed, ...NotVisible) walk every message in the queue and read the clock for each. Every
share publishes to the stack's topic, whose queue nobody drains between tests, so each share
cost more than the one before: at 1,500 queued messages this was ~40% of the harness process's
CPU under share load.

While a send runs (on its own server thread), those three counts are not computed: the send
reads no count, so nothing it does or answers changes. GetQueueAttributes and every other
reader outside a send get them computed as moto always did.
"""

from __future__ import annotations

import functools
import threading

COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)

_sending = threading.local()


def sending() -> bool:
    return getattr(_sending, "active", False)


def _marked_as_sending(send):
    @functools.wraps(send)
    def send_message(*args, **kwargs):
        outer = sending()
        _sending.active = True
        try:
            return send(*args, **kwargs)
        finally:
            _sending.active = outer

    send_message.counts_skipped = True
    return send_message


def _not_counted_while_sending(count):
    @functools.wraps(count)
    def counted(queue):
        return None if sending() else count(queue)

    return counted


def skip_queue_counts_in_sends() -> None:
    """Idempotent; patches moto's SQS models in this process only."""
    from moto.sqs.models import Queue, SQSBackend

    if getattr(SQSBackend.send_message, "counts_skipped", False):
        return
    SQSBackend.send_message = _marked_as_sending(SQSBackend.send_message)
    for name in COUNTS:
        setattr(Queue, name, property(_not_counted_while_sending(getattr(Queue, name).fget)))
