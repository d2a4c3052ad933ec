"""Asynchronous HTTP(S) delivery with SNS's default retry policy [sns-message-delivery-retries,
SendMessageToHttp.retry]: a first attempt at once, then up to 3 retries 20 s apart (on the
stack clock, so `harness clock advance 20s` brings the next one). An attempt fails when the
endpoint cannot be reached, takes longer than about 15 s, or answers outside 200-499
[SendMessageToHttp.prepare]; then the message is dropped."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from harness.clock import clock
from harness.plumbing.public_roots import public_roots

log = logging.getLogger("harness.data_plane.sns_delivery")

WATCH = 0.2  # how often due retries are looked for (the clock can jump)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    delay: float = 20.0
    timeout: float = 15.0


DEFAULT_HTTP_POLICY = RetryPolicy()


@dataclass
class Delivery:
    endpoint: str
    headers: dict[str, str]
    body: bytes
    attempt: int = 1


def succeeded(status: int) -> bool:
    return 200 <= status < 500


class Deliverer:
    def __init__(
        self, policy: RetryPolicy = DEFAULT_HTTP_POLICY, workers: int = 8, monotonic=None
    ) -> None:
        self.policy = policy
        self._monotonic = monotonic or clock.monotonic
        self._due: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="sns-delivery")
        self._client = httpx.Client(timeout=policy.timeout, trust_env=False, verify=public_roots())
        self._thread: threading.Thread | None = None
        self.attempts: deque[dict] = deque(maxlen=200)
        self.counts = {"delivered": 0, "failed_attempts": 0, "dropped": 0}

    def start(self) -> Deliverer:
        self._thread = threading.Thread(target=self._run, name="sns-deliverer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def send(self, delivery: Delivery, delay: float = 0.0) -> None:
        with self._lock:
            due = self._monotonic() + delay
            heapq.heappush(self._due, (due, next(self._order), delivery))
            self._lock.notify_all()

    def later(self, work, *args) -> None:
        """Run `work(*args)` on the delivery threads (what may call the emulator)."""
        self._pool.submit(work, *args)

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    def waiting(self) -> int:
        with self._lock:
            return len(self._due)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                now = self._monotonic()
                ready = []
                while self._due and self._due[0][0] <= now:
                    ready.append(heapq.heappop(self._due)[2])
                if not ready:
                    self._lock.wait(WATCH)
            for delivery in ready:
                self._pool.submit(self._attempt, delivery)

    def _attempt(self, delivery: Delivery) -> None:
        record = {
            "endpoint": delivery.endpoint,
            "type": delivery.headers.get("x-amz-sns-message-type"),
            "message_id": delivery.headers.get("x-amz-sns-message-id"),
            "attempt": delivery.attempt,
            "at": clock.now(),
        }
        try:
            status = self._client.post(
                delivery.endpoint, content=delivery.body, headers=delivery.headers
            ).status_code
            record["status"] = status
            ok = succeeded(status)
        except httpx.HTTPError as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
            ok = False
        self.attempts.append(record)
        log.info(
            "%s %s to %s, attempt %d: %s",
            record["type"],
            record["message_id"],
            delivery.endpoint,
            delivery.attempt,
            record.get("status") or record.get("error"),
        )
        if ok:
            self._count("delivered")
            return
        self._count("failed_attempts")
        if delivery.attempt > self.policy.retries:
            self._count("dropped")
            log.info("dropped %s after %d attempts", record["message_id"], delivery.attempt)
            return
        delivery.attempt += 1
        self.send(delivery, self.policy.delay)
