"""The ALB data plane for one target group: listener, health checks, round robin, draining.

Configuration comes only from elbv2 (target group settings and attributes, registered targets,
the load balancer's idle timeout), re-read every `refresh_interval` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from pathlib import Path

from harness.clock import clock
from harness.data_plane.alb.access_log import AccessLog, elb_name
from harness.data_plane.alb.app import ADMIN_PATH, ProxyApp
from harness.data_plane.alb.config import (
    DEFAULT_IDLE_TIMEOUT,
    TargetAddress,
    TargetGroupSettings,
    read_idle_timeout,
    read_registered_targets,
    read_target_group,
)
from harness.data_plane.alb.health_checks import TargetState
from harness.data_plane.alb.target_loop import TargetLoop, _Target
from harness.errors import HarnessError
from harness.faults.http import wrap
from harness.plumbing.servers import ServerThread

log = logging.getLogger(__name__)

ROUTABLE = (TargetState.HEALTHY, TargetState.UNAVAILABLE)
RECENT_DEREGISTRATIONS = 20


class LoadBalancer(TargetLoop):
    """One HTTP listener on 127.0.0.1 whose default action forwards to one target group."""

    def __init__(
        self,
        endpoints,
        target_group_arn: str,
        *,
        port: int = 0,
        refresh_interval: float = 0.5,
        log_dir: Path | None = None,
        fail_open: bool = True,
        faults=None,
    ) -> None:
        self.target_group_arn = target_group_arn
        self.refresh_interval = refresh_interval
        # [target-group-health-checks] "If a target group contains only unhealthy registered
        # targets, the load balancer routes requests to all those targets, regardless of their
        # health status." Off only for a test that wants the 503 of a strict balancer.
        self.fail_open = fail_open
        self.log_dir = log_dir
        self.faults = faults  # harness.faults.store.FaultStore, or None
        self._elbv2 = endpoints.internal_client("elbv2")
        self._lock = threading.Lock()
        # One refresh at a time: a slow read applied after a newer one would bring a
        # deregistered target back.
        self._refresh_lock = threading.Lock()
        self._targets: dict[TargetAddress, _Target] = {}
        self._round_robin = 0
        # Verdicts of deregistered targets: the agent replaces an unhealthy task within a tick,
        # so a broken health check would otherwise be visible only for a moment.
        self._deregistered: deque[dict] = deque(maxlen=RECENT_DEREGISTRATIONS)
        self._settings: TargetGroupSettings | None = None
        self.idle_timeout = DEFAULT_IDLE_TIMEOUT
        self.access_log = AccessLog(log_dir, target_group_arn)
        self._proxy = ProxyApp(self)
        self._server = ServerThread(
            wrap(self._proxy.asgi(), "edge-alb", faults), name="alb", port=port, lifespan="on"
        )
        self.listener_port = self._server.port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._loop_ready = threading.Event()
        self._wake: asyncio.Event | None = None
        self._settings_stale = False
        self._log_handler: logging.Handler | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> LoadBalancer:
        if self.log_dir is not None:
            self._attach_log_file(Path(self.log_dir) / "alb.log")
        try:
            self._refresh_settings()
        except Exception as exc:
            raise HarnessError(
                f"alb: cannot read target group {self.target_group_arn}: {exc}"
            ) from None
        self._thread = threading.Thread(target=self._run_checks, name="alb-health", daemon=True)
        self._thread.start()
        self._loop_ready.wait(5)
        try:
            self.refresh_targets()
            self._server.start()
        except BaseException:
            self.stop()
            raise
        log.info("alb: listening on %s for %s", self.url, self.target_group_arn)
        return self

    def __enter__(self) -> LoadBalancer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def refresh_soon(self) -> None:
        """Re-read the target group's settings and targets now rather than at the next
        interval (the API front calls this after a write to ELBv2). It only signals the ALB's
        loop, which does the reading."""
        self._settings_stale = True
        self._wake_loop()

    def _wake_loop(self) -> None:
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                self._loop.call_soon_threadsafe(self._wake.set)

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._wake_loop()
        if self._thread is not None:
            self._thread.join(10)
        self._server.stop()
        self.access_log.close()
        if self._log_handler is not None:
            logging.getLogger("harness.data_plane.alb").removeHandler(self._log_handler)
            self._log_handler.close()

    # -- what the agent, `status` and the scenarios read ---------------------------------

    def health(self) -> dict:
        settings = self._settings
        with self._lock:
            targets = [self._describe(t) for t in sorted(self._targets.values(), key=_key)]
            recent = list(self._deregistered)
        return {
            "url": self.url,
            "admin": self.url + ADMIN_PATH,
            "target_group_arn": self.target_group_arn,
            "health_check": _describe_settings(settings) if settings else None,
            "idle_timeout": self.idle_timeout,
            "healthy": sum(t["state"] == TargetState.HEALTHY for t in targets),
            "targets": targets,
            "recently_deregistered": recent,
        }

    def targets(self) -> list[dict]:
        return self.health()["targets"]

    def healthy_count(self) -> int:
        with self._lock:
            return sum(t.health.state is TargetState.HEALTHY for t in self._targets.values())

    def health_check_port(self) -> str | None:
        """The target group's health-check port, or None for `traffic-port`."""
        settings = self._settings
        if settings is None or settings.health_check.port == "traffic-port":
            return None
        return settings.health_check.port

    def target_state(self, ip: str, port: int) -> str | None:
        """The target's state, or None once it is fully deregistered (or was never seen)."""
        with self._lock:
            target = self._targets.get(TargetAddress(ip, port))
            return None if target is None else str(target.health.state)

    def in_flight(self, ip: str, port: int) -> int:
        with self._lock:
            target = self._targets.get(TargetAddress(ip, port))
            return 0 if target is None else target.in_flight

    def refresh_targets(self) -> None:
        """Re-read the registered targets now (the agent calls this right after it registers
        or deregisters one, so that a change does not wait for the next refresh)."""
        with self._refresh_lock:
            settings = self._settings
            registered = read_registered_targets(self._elbv2, self.target_group_arn, settings.port)
            with self._lock:
                self._apply(registered, settings)

    # -- the Router the proxy uses -------------------------------------------------------

    def acquire(self) -> TargetAddress | None:
        with self._lock:
            candidates = [t for t in self._targets.values() if t.health.state in ROUTABLE]
            registered = [t for t in self._targets.values() if t.draining_since is None]
            if (
                not candidates
                and self.fail_open
                and registered
                and all(t.health.state is TargetState.UNHEALTHY for t in registered)
            ):
                candidates = registered
            if not candidates:
                return None
            candidates.sort(key=_key)
            target = candidates[self._round_robin % len(candidates)]
            self._round_robin += 1
            target.in_flight += 1
            target.served += 1
            return target.address

    def release(self, address: TargetAddress) -> None:
        with self._lock:
            target = self._targets.get(address)
            if target is not None:
                target.in_flight -= 1
                if target.draining_since is not None:  # the clock's reading costs a stat
                    self._finish_draining(target, clock.monotonic())

    # -- internals -------------------------------------------------------------------------

    def _refresh_settings(self) -> None:
        settings = read_target_group(self._elbv2, self.target_group_arn)
        self.idle_timeout = read_idle_timeout(self._elbv2, settings.load_balancer_arns)
        # [connection-idle-timeout] the client side's idle connections too
        self._server.keep_idle_connections(self.idle_timeout)
        self.access_log.elb = elb_name(next(iter(settings.load_balancer_arns), None))
        self._settings = settings

    def _attach_log_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handler.setLevel(logging.INFO)
        logger = logging.getLogger("harness.data_plane.alb")
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        self._log_handler = handler


def _key(target: _Target) -> TargetAddress:
    return target.address


def _describe_settings(settings: TargetGroupSettings) -> dict:
    check = settings.health_check
    return {
        "enabled": check.enabled,
        "path": check.path,
        "port": check.port,
        "interval": check.interval,
        "timeout": check.timeout,
        "healthy_threshold": check.healthy_threshold,
        "unhealthy_threshold": check.unhealthy_threshold,
        "matcher": check.success_codes.text,
        "deregistration_delay": settings.deregistration_delay,
    }
