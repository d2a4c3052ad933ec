"""What SNS knows of each HTTP(S) subscription beyond the emulator: pending or confirmed, its
confirmation token, and how its endpoint is held in the emulator.

The emulator keeps the subscription (topic, protocol, attributes, filter policy) but would POST
to the endpoint itself, at once and inside Publish. So it is given a *hold* URL on the API
front instead, which tells the harness which messages matched; the harness delivers to the
real endpoint, and the front shows the real endpoint in every answer."""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field

HOLD_PATH = "/_sns/hold/"
TOKEN_LIFETIME = 3 * 86400  # "Confirmation tokens are valid for three days" (Subscribe)


def hold_url(front_url: str, endpoint: str) -> str:
    encoded = base64.urlsafe_b64encode(endpoint.encode()).decode().rstrip("=")
    return f"{front_url.rstrip('/')}{HOLD_PATH}{encoded}"


def endpoint_of_hold(encoded: str) -> str:
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


@dataclass
class HttpSubscription:
    arn: str
    topic_arn: str
    endpoint: str
    protocol: str
    tokens: dict[str, float] = field(default_factory=dict)  # each confirmation's, when sent
    confirmed: bool = False
    authenticated: bool = False  # ConfirmationWasAuthenticated
    unsubscribe_needs_signature: bool = False  # AuthenticateOnUnsubscribe

    @property
    def token(self) -> str:
        return next(reversed(self.tokens), "")


class Subscriptions:
    """`now` is the stack clock's wall time (tokens expire on it)."""

    def __init__(self, now) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._by_arn: dict[str, HttpSubscription] = {}

    def add(self, arn: str, topic_arn: str, endpoint: str, protocol: str) -> HttpSubscription:
        """The subscription `arn`; while pending, with a fresh token for a new confirmation."""
        with self._lock:
            known = self._by_arn.get(arn)
            if known is None:
                known = HttpSubscription(arn, topic_arn, endpoint, protocol)
                self._by_arn[arn] = known
            if not known.confirmed:
                known.tokens[secrets.token_hex(64)] = self._now()
            return known

    def get(self, arn: str) -> HttpSubscription | None:
        with self._lock:
            return self._by_arn.get(arn)

    def confirm(
        self, topic_arn: str, token: str, authenticated: bool, locks_unsubscribe: bool = False
    ) -> HttpSubscription | None:
        """The subscription this valid token confirms; None for an unknown or expired one."""
        with self._lock:
            for sub in self._by_arn.values():
                issued = next((t for k, t in sub.tokens.items() if _same(k, token)), None)
                if sub.topic_arn == topic_arn and issued is not None:
                    if sub.confirmed:
                        return sub
                    if self._now() - issued > TOKEN_LIFETIME:
                        return None
                    sub.confirmed, sub.authenticated = True, authenticated
                    sub.unsubscribe_needs_signature = authenticated and locks_unsubscribe
                    return sub
        return None

    def find(self, topic_arn: str, endpoint: str) -> HttpSubscription | None:
        with self._lock:
            return next(
                (
                    s
                    for s in self._by_arn.values()
                    if s.topic_arn == topic_arn and s.endpoint == endpoint
                ),
                None,
            )

    def remove(self, arn: str) -> HttpSubscription | None:
        with self._lock:
            return self._by_arn.pop(arn, None)

    def counts(self) -> dict[str, int]:
        with self._lock:
            confirmed = sum(s.confirmed for s in self._by_arn.values())
            return {"pending": len(self._by_arn) - confirmed, "confirmed": confirmed}


def _same(known: str, given: str) -> bool:
    return secrets.compare_digest(known.encode(), given.encode())
