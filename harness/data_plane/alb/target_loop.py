"""The ALB's own loop: health checks per target, draining, and the periodic re-read of elbv2.

`part.LoadBalancer` owns the state; this is the half of it that runs on its asyncio thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import httpx

from harness.clock import clock
from harness.clock.ticker import sleep_on_clock
from harness.data_plane.alb.config import TargetAddress, TargetGroupSettings
from harness.data_plane.alb.health_checks import TargetHealth, probe
from harness.faults.health import injected_check
from harness.plumbing.public_roots import public_roots

log = logging.getLogger("harness.data_plane.alb.part")

# Settings change rarely; targets change with every task start and stop.
SETTINGS_EVERY_N_REFRESHES = 4


@dataclass
class _Target:
    address: TargetAddress
    registered_at: float
    health: TargetHealth = field(default_factory=TargetHealth)
    in_flight: int = 0
    served: int = 0
    draining_since: float | None = None
    last_check: float | None = None
    checker: asyncio.Task | None = None


class TargetLoop:
    """Applies registrations and runs the health checks; `LoadBalancer` sets the state."""

    refresh_interval: float
    _lock: threading.Lock
    _targets: dict[TargetAddress, _Target]
    _deregistered: deque[dict]
    _settings: TargetGroupSettings | None
    _loop: asyncio.AbstractEventLoop | None
    _stopping: threading.Event
    _loop_ready: threading.Event
    _wake: asyncio.Event | None
    _settings_stale: bool

    def _apply(self, registered: set[TargetAddress], settings: TargetGroupSettings) -> None:
        """Called with the lock held: start checking new targets, drain removed ones."""
        now = clock.monotonic()
        for address in registered:
            current = self._targets.get(address)
            if current is None or current.draining_since is not None:
                if current is not None and current.checker is not None:
                    self._cancel(current)
                target = _Target(address, registered_at=now)
                if not settings.health_check.enabled:
                    target.health.disable()
                self._targets[address] = target
                log.info("alb: target %s registered", address)
                self._schedule_checks(target)
        for target in list(self._targets.values()):
            if target.address not in registered and target.draining_since is None:
                self._deregistered.append(self._describe(target) | {"deregistered_at": time.time()})
                target.health.drain()
                target.draining_since = now
                self._cancel(target)
                log.info("alb: target %s draining (%d in flight)", target.address, target.in_flight)
            self._finish_draining(target, now)

    def _finish_draining(self, target: _Target, now: float) -> None:
        """AWS completes a deregistration at once when nothing is in flight, else after the
        target group's deregistration delay."""
        if target.draining_since is None:
            return
        delay = self._settings.deregistration_delay if self._settings else 0.0
        expired = now - target.draining_since >= delay
        done = target.in_flight <= 0 or expired
        if done and self._targets.get(target.address) is target:
            del self._targets[target.address]
            log.info("alb: target %s deregistered", target.address)
        if expired and target.in_flight > 0:
            # [load-balancer-troubleshooting] 502: "The deregistration delay period elapsed
            # for a request being handled by a target that was deregistered."
            self._proxy.cut_off(target.address)

    def _schedule_checks(self, target: _Target) -> None:
        if self._loop is None or not self._settings.health_check.enabled:
            return

        def create() -> None:
            if target.draining_since is None and target.checker is None:
                target.checker = self._loop.create_task(self._check_forever(target))

        self._loop.call_soon_threadsafe(create)

    def _cancel(self, target: _Target) -> None:
        checker, target.checker = target.checker, None
        if checker is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(checker.cancel)

    def _run_checks(self) -> None:
        asyncio.run(self._control_loop())

    async def _control_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        # AWS closes the connection after every health check: no keep-alive here.
        limits = httpx.Limits(max_keepalive_connections=0)
        client = httpx.AsyncClient(trust_env=False, limits=limits, verify=public_roots())
        async with client:
            self._health_client = client
            self._wake = asyncio.Event()
            self._loop_ready.set()
            refreshes = 0
            while not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.refresh_interval)
                self._wake.clear()
                if self._stopping.is_set():
                    break
                refreshes += 1
                settings_due = self._settings_stale or refreshes % SETTINGS_EVERY_N_REFRESHES == 0
                self._settings_stale = False
                try:
                    if settings_due:
                        await asyncio.to_thread(self._refresh_settings)
                    await asyncio.to_thread(self.refresh_targets)
                except Exception as exc:  # noqa: BLE001 - keep serving with what we know
                    log.warning("alb: refresh from elbv2 failed: %s", exc)
            with self._lock:
                checkers = [t.checker for t in self._targets.values() if t.checker]
            for checker in checkers:
                checker.cancel()
            await asyncio.gather(*checkers, return_exceptions=True)

    async def _check_forever(self, target: _Target) -> None:
        """Health checks for one target, the first at once, then every interval of the stack
        clock (an advance brings the next check forward); each check is independent of how
        long the previous one took (AWS)."""
        while True:
            settings = self._settings
            started = clock.monotonic()
            result = await injected_check(getattr(self, "faults", None), str(target.address))
            result = result or await probe(
                self._health_client, target.address, settings.health_check
            )
            with self._lock:
                before = target.health.state
                target.health.record(result, settings.health_check)
                target.last_check = time.time()
                if target.health.state is not before:
                    log.info(
                        "alb: target %s %s -> %s (%s)",
                        target.address,
                        before,
                        target.health.state,
                        target.health.reason or "ok",
                    )
            elapsed = clock.monotonic() - started
            await sleep_on_clock(max(0.0, settings.health_check.interval - elapsed))

    def _describe(self, target: _Target) -> dict:
        return {
            "id": target.address.ip,
            "port": target.address.port,
            "state": str(target.health.state),
            "reason": target.health.reason,
            "description": target.health.description,
            "in_flight": target.in_flight,
            "served": target.served,
            "checks": target.health.checks,
            "last_check": target.last_check,
        }
