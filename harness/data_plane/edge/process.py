"""The edge as a part of a stack, served by a process of its own (`child.py`).

Same constructor and the same reads as `Edge` (a `harness.types.Part`), so the stack swaps one
for the other; the edge's work (TLS, the cache, CloudFront Functions on QuickJS, the origin
fetches) no longer waits for the GIL the emulator and the harness's pollers hold.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import pathlib
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Mapping

import httpx
from botocore.exceptions import BotoCoreError, ClientError

from harness.clock import clock
from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.edge.cache_policy import items
from harness.data_plane.edge.part import edge_certificate
from harness.errors import HarnessError
from harness.plumbing.public_roots import public_roots

log = logging.getLogger("harness.data_plane.edge")

START_TIMEOUT = 60.0  # only catches a hang: a loaded machine takes seconds to import
STOP_TIMEOUT = 10.0
CONTROL_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
CONTROL_PREFIX = "/edge-control"
POLL_SIGNAL = "poll"
LOG_FILE = "harness.log"  # the child's own log lines, next to the harness's (log_timeline)


def spawn_child(log_dir: pathlib.Path | None) -> subprocess.Popen:
    """The edge's process, launched before its settings are known: it imports what it serves
    with while the rest of the stack starts, then waits for an `EdgeProcess` (given it as
    `child`) to hand it the spec. `discard_child` ends one that was never used."""
    stderr = subprocess.DEVNULL
    if log_dir is not None:
        pathlib.Path(log_dir).mkdir(parents=True, exist_ok=True)
        stderr = open(pathlib.Path(log_dir) / LOG_FILE, "ab")  # noqa: SIM115
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "harness.data_plane.edge.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=os.environ.copy(),
        )
    finally:
        if stderr is not subprocess.DEVNULL:
            stderr.close()


def end_child(process: subprocess.Popen) -> None:
    """Stop the edge's process (idempotent): it stops serving, or exits unused, once its stdin
    closes."""
    with contextlib.suppress(OSError, ValueError):
        process.stdin.close()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        log.warning("edge: pid %d did not stop in %.0fs; killing it", process.pid, STOP_TIMEOUT)
        process.kill()
        process.wait()
    process.stdout.close()


def discard_child(process: subprocess.Popen) -> None:
    """End a launched edge process that no `EdgeProcess` stopped (the stack failed before its
    edge started): it serves nothing and holds no port yet, so it is killed, not waited for
    through its imports. One that served was already ended by `EdgeProcess.stop`."""
    if process.poll() is None:
        process.kill()
    end_child(process)


class EdgeProcess:
    """Serves one CloudFront distribution on 127.0.0.1 from a child process."""

    def __init__(
        self,
        endpoints: EndpointMap,
        distribution_id: str,
        origin_urls: Mapping[str, str],
        *,
        port: int = 0,
        refresh_interval: float = 0.5,
        log_dir: pathlib.Path | None = None,
        faults=None,
        tls_dir: pathlib.Path | None = None,
        https_port: int = 0,
        child: subprocess.Popen | None = None,
    ) -> None:
        self.distribution_id = distribution_id
        self.faults = faults
        self.log_dir = log_dir
        self._endpoints = endpoints
        self._tls_dir = tls_dir
        self._spec = {
            "endpoints": dataclasses.asdict(endpoints),
            "distribution_id": distribution_id,
            "origin_urls": dict(origin_urls),
            "port": port,
            "refresh_interval": refresh_interval,
            "log_dir": str(log_dir) if log_dir else None,
            "faults_dir": str(faults.path.parent) if faults is not None else None,
            "tls_dir": str(tls_dir) if tls_dir else None,
            "https_port": https_port,
        }
        self._process: subprocess.Popen | None = None
        self._child = child  # launched ahead by `spawn_child`, else launched by `start`
        self._control: httpx.Client | None = None
        self._urls: dict = {}
        self._stdin_lock = threading.Lock()

    # -- the Part -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if not self._urls:
            raise RuntimeError("edge is not started")
        return self._urls["url"]

    @property
    def https_url(self) -> str | None:
        return self._urls.get("https_url")

    @property
    def alias_url(self) -> str | None:
        """The HTTPS URL on the distribution's first alternate domain name."""
        if not self.https_url:
            return None
        aliases = self._read("/health", {}).get("aliases") or []
        port = self.https_url.rsplit(":", 1)[1]
        return f"https://{aliases[0]}:{port}" if aliases else None

    def __enter__(self) -> EdgeProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> EdgeProcess:
        spec = self._spec | {
            "clock_file": str(clock.path) if clock.path else None,
            "certificate": self._certificate(),
        }
        child, self._child = self._child, None
        self._process = child if child is not None else spawn_child(self.log_dir)
        try:
            self._process.stdin.write(json.dumps(spec).encode() + b"\n")
            self._process.stdin.flush()
            answer = self._read_answer()
            if "error" in answer:
                raise HarnessError(answer["error"])
            self._urls = answer
            self._control = httpx.Client(
                base_url=answer["control"] + CONTROL_PREFIX,
                trust_env=False,
                timeout=CONTROL_TIMEOUT,
                verify=public_roots(),
            )
        except BaseException:
            self.stop()
            raise
        log.info(
            "edge: distribution %s served at %s (pid %d)",
            self.distribution_id,
            self.url,
            self._process.pid,
        )
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if self._control is not None:
            self._control.close()
            self._control = None
        if process is None:
            return
        with self._stdin_lock:
            end_child(process)

    def health(self) -> dict:
        if self._control is None:
            return {"distribution_id": self.distribution_id, "url": None, "serving": False}
        return self._call("GET", "/health") | {"pid": self._process.pid}

    # -- what the stack, the API front and the pipelines read -----------------------------

    def poll_now(self) -> None:
        """Re-read the configuration now. Only signals (a line on the child's stdin), so the
        API front may call it on its loop after each CloudFront write."""
        process = self._process
        if process is None:
            return
        with self._stdin_lock, contextlib.suppress(OSError, ValueError):  # stopping
            process.stdin.write(POLL_SIGNAL.encode() + b"\n")
            process.stdin.flush()

    def invalidation_applied(self, invalidation_id: str) -> bool:
        """False too while the process does not answer: nothing was purged that we know of."""
        return self._read(f"/invalidations/{invalidation_id}", {"applied": False})["applied"]

    def cache_entries(self) -> list[dict]:
        return self._read("/cache", [])

    def faults_injected(self, fault_id: str) -> int:
        """How often the edge's requests met this fault (its fault store is the child's)."""
        return self._read(f"/faults/{fault_id}", {"injected": 0})["injected"]

    # -- internals ------------------------------------------------------------------------

    def _certificate(self) -> dict | None:
        """The HTTPS certificate for the distribution's alternate domain names, issued here,
        where the CA's library is loaded anyway: the edge's process then never loads it. When
        the distribution cannot be read, None: the process reads it again and says why."""
        if self._tls_dir is None:
            return None
        cloudfront = self._endpoints.client("cloudfront")
        try:
            config = cloudfront.get_distribution_config(Id=self.distribution_id)
        except (BotoCoreError, ClientError):
            return None
        aliases = items(config["DistributionConfig"].get("Aliases"))
        certificate = edge_certificate(self._tls_dir, aliases)
        return {name: str(path) for name, path in dataclasses.asdict(certificate).items()}

    def _read(self, path: str, otherwise):
        """A status read: `otherwise` when the process is not running or does not answer
        (`health()` says why), so a status document never fails on the edge."""
        if self._control is None:
            return otherwise
        try:
            return self._call("GET", path)
        except HarnessError as exc:
            log.warning("%s", exc)
            return otherwise

    def _call(self, method: str, path: str):
        assert self._control is not None
        try:
            answer = self._control.request(method, path)
            answer.raise_for_status()
        except httpx.HTTPError as exc:
            raise HarnessError(f"edge: its process does not answer {path}: {exc}") from None
        return answer.json()

    def _read_answer(self) -> dict:
        """The child's one line, once it serves; a hang or an early exit is a HarnessError."""
        process = self._process
        assert process is not None
        deadline = time.monotonic() + START_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError(f"edge: not serving after {START_TIMEOUT:.0f}s")
                if selector.select(min(left, 0.5)):
                    line = process.stdout.readline()
                    if line:
                        return json.loads(line)
                    raise HarnessError(
                        f"edge: its process exited with status {process.wait()} before serving"
                        + (f" (see {self.log_dir}/{LOG_FILE})" if self.log_dir else "")
                    )
