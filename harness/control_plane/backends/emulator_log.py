"""The embedded emulator's own log: one line per request (service, operation, status, time),
and for a request it cannot serve the operation, the error and its traceback. Counted for
`harness status`.

moto answers an exception inside an operation with a bare HTML 500; without this, the only
trace was an INFO line in harness.log from whichever client saw it.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs

from harness.plumbing.form_fields import form_action

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
KEPT_FAILURES = 20
MAX_FORM_BYTES = 1 << 20


def operation_of(environ: dict) -> tuple[str, str]:
    """(service, operation) as a reader of AWS's docs names them, from the signed request."""
    scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else "?"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return service, target.rsplit(".", 1)[-1]
    query = environ.get("QUERY_STRING", "")
    action = parse_qs(query).get("Action", [None])[0] if query else None
    if not action and environ.get("CONTENT_TYPE", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if 0 < length <= MAX_FORM_BYTES:
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
            action = form_action(body.decode("utf-8", "replace"))
    if action:
        return service, action
    return service, f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"


class EmulatorLog:
    """A WSGI middleware around the emulator's app, with its own file (no propagation into
    harness.log) and counters."""

    def __init__(self, path: Path | None, name: str) -> None:
        self.path = path
        self.requests = 0
        self.failed = 0
        self.failures: deque[dict] = deque(maxlen=KEPT_FAILURES)
        self._lock = threading.Lock()
        self._log = logging.getLogger(f"harness.emulator.{name}")
        self._log.propagate = False
        self._handler = None
        # a request's line is written straight to the file, as the edge's access log (the
        # logging module's ~30 us a line, under the GIL the emulator's requests share); the
        # rarer failures, with their tracebacks, through logging
        self._lines = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handler = logging.FileHandler(path, encoding="utf-8")
            self._handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            self._log.addHandler(self._handler)
            self._log.setLevel(logging.INFO)
            # imported here: the edge's package is imported by a stack, not by an emulator alone
            from harness.data_plane.edge.access_log import EdgeAccessLog

            self._lines = EdgeAccessLog(path)

    def wrap(self, app):
        def recorded(environ, start_response):
            service, operation = operation_of(environ)
            began = time.monotonic()
            seen: dict = {}
            with self._lock:
                self.requests += 1

            def start(status, headers, exc_info=None):
                seen["status"] = int(status.split(" ", 1)[0])
                return start_response(status, headers, exc_info)

            try:
                body = app(environ, start)
            except Exception as exc:
                self._failed(service, operation, 500, f"{type(exc).__name__}: {exc}", True)
                raise
            status = seen.get("status", 0)
            elapsed = (time.monotonic() - began) * 1000
            if status >= 500:
                body = list(body)
                text = b"".join(body)[:300].decode("utf-8", "replace")
                self._failed(service, operation, status, " ".join(text.split()), False)
            elif (lines := self._lines) is not None:
                lines.write(f"INFO {service} {operation} {status} {elapsed:.0f}ms")
            return body

        return recorded

    def _failed(self, service: str, operation: str, status: int, error: str, trace: bool):
        with self._lock:
            self.failed += 1
            self.failures.append(
                {"service": service, "operation": operation, "status": status, "error": error}
            )
        self._log.error(
            "%s %s cannot be served (%s): %s", service, operation, status, error, exc_info=trace
        )

    def close(self) -> None:
        lines, self._lines = self._lines, None
        if lines is not None:
            lines.close()
        if self._handler is not None:
            self._log.removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    def health(self) -> dict:
        with self._lock:
            return {
                "log": str(self.path) if self.path else None,
                "requests": self.requests,
                "failed_requests": self.failed,
                "last_failures": list(self.failures),
            }
