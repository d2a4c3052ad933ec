"""Confirmation codes as Cognito issues them: six digits, the newest one per user valid, for 24
hours [AWS: signing-up-users-in-your-app, "The confirmation code is valid for 24 hours"], on
the stack clock."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from enum import Enum

from harness.clock import clock

VALID_SECONDS = 24 * 3600


class Verdict(Enum):
    CONFIRMS = "confirms"
    MISMATCH = "mismatch"  # CodeMismatchException
    EXPIRED = "expired"  # ExpiredCodeException


@dataclass(frozen=True)
class _Issued:
    code: str
    at: float


class CodeBook:
    """The codes sent, per (user pool id, user's sub)."""

    def __init__(self) -> None:
        self._codes: dict[tuple[str, str], _Issued] = {}
        self._lock = threading.Lock()
        self.issued = 0
        self.refused = 0

    def issue(self, pool_id: str, sub: str) -> str:
        code = f"{secrets.randbelow(10**6):06d}"
        with self._lock:
            self._codes[(pool_id, sub)] = _Issued(code, clock.now())
            self.issued += 1
        return code

    def check(self, pool_id: str, sub: str, code: str) -> Verdict:
        with self._lock:
            issued = self._codes.get((pool_id, sub))
        if issued is None or not secrets.compare_digest(issued.code, code):
            verdict = Verdict.MISMATCH
        elif clock.now() - issued.at > VALID_SECONDS:
            verdict = Verdict.EXPIRED
        else:
            return Verdict.CONFIRMS
        with self._lock:
            self.refused += 1
        return verdict

    def used(self, pool_id: str, sub: str) -> None:
        with self._lock:
            self._codes.pop((pool_id, sub), None)
