"""The edge's own process: `python -m harness.data_plane.edge.child`, started by `EdgeProcess`.

It runs the same `Edge` the tests run in process, off the harness's GIL (the emulator, the
ALB and the pollers share that one), plus a control listener on loopback for what the rest of
the stack asks the edge (health, cache entries, poll now, invalidation applied, faults met).

Protocol: the child imports what it serves with, then reads one JSON line (the spec) from
stdin, so the parent may launch it before the spec is known (`process.spawn_child`); it answers
one JSON line on stdout, `{"url", "https_url", "control"}` once it serves or `{"error"}`; then
it serves until stdin closes (the parent stopped or died) or SIGTERM. A `poll` line on stdin
re-reads the configuration now (the API front's watcher sends it from its loop: a write, never
a wait).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path

from harness.data_plane.edge.process import CONTROL_PREFIX, POLL_SIGNAL


def control_app(edge):
    """Loopback-only JSON answers for the parent; the viewer listeners never route here."""

    async def app(scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"].removeprefix(CONTROL_PREFIX)
        status, body = 200, None
        if method == "GET" and path == "/health":
            body = edge.health()
        elif method == "GET" and path == "/cache":
            body = edge.cache_entries()
        elif method == "GET" and path.startswith("/invalidations/"):
            body = {"applied": edge.invalidation_applied(path.rsplit("/", 1)[1])}
        elif method == "GET" and path.startswith("/faults/"):
            fault_id = path.rsplit("/", 1)[1]
            body = {"injected": edge.faults.injected(fault_id) if edge.faults else 0}
        else:
            status, body = 404, {"error": f"no such control call: {method} {path}"}
        payload = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


def build(spec: dict):
    """The edge and its control listener, from the parent's spec (not started)."""
    from harness.clock import clock
    from harness.control_plane.endpoints import EndpointMap, keep_endpoint_data_of
    from harness.data_plane.edge.part import Edge
    from harness.faults.store import FaultStore
    from harness.plumbing.servers import ServerThread

    if spec.get("clock_file"):
        clock.follow(Path(spec["clock_file"]))
    keep_endpoint_data_of(("cloudfront", "s3"))  # the edge's only clients (part.py)
    edge = Edge(
        EndpointMap(**spec["endpoints"]),
        spec["distribution_id"],
        spec["origin_urls"],
        port=spec["port"],
        refresh_interval=spec["refresh_interval"],
        log_dir=Path(spec["log_dir"]) if spec.get("log_dir") else None,
        faults=FaultStore(spec["faults_dir"]) if spec.get("faults_dir") else None,
        tls_dir=Path(spec["tls_dir"]) if spec.get("tls_dir") else None,
        https_port=spec["https_port"],
        certificate=_certificate(spec.get("certificate")),
    )
    return edge, ServerThread(control_app(edge), name="edge-control")


def _certificate(issued: dict | None):
    """The HTTPS certificate the parent issued (`EdgeProcess._certificate`), if it did."""
    from harness.plumbing.local_ca import ServerCertificate

    return ServerCertificate(**{k: Path(v) for k, v in issued.items()}) if issued else None


def _signals(edge, stop: threading.Event) -> None:
    """The parent's signals on stdin: a `poll` line re-reads the configuration now; the end
    of stdin (the parent stopped the edge, or died) stops serving."""
    for line in sys.stdin:
        if line.strip() == POLL_SIGNAL:
            edge.poll_now()
    stop.set()


def _settle() -> None:
    """Once serving (the stack goes on starting meanwhile): what starting freed given back
    (#14: the stack's RSS)."""
    from harness.plumbing.freed_memory import give_back

    give_back()


def _answer(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def main() -> int:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C reaches the whole process group: the parent stops the edge (closes stdin).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Launched ahead of its spec (process.spawn_child): import while the stack starts, uvicorn
    # and what its servers load too (plumbing/servers.py imports it only when one is made).
    import uvicorn.lifespan.on  # noqa: F401
    import uvicorn.loops.auto  # noqa: F401
    import uvicorn.protocols.http.auto  # noqa: F401

    import harness.data_plane.edge.part  # noqa: F401
    import harness.faults.store  # noqa: F401
    import harness.plumbing.servers  # noqa: F401
    from harness.errors import HarnessError

    line = sys.stdin.readline()
    if not line:
        return 0  # never used: the stack stopped (or failed) before its edge started
    spec = json.loads(line)

    try:
        edge, control = build(spec)
        edge.start()
    except HarnessError as exc:
        _answer({"error": str(exc)})
        return 1
    try:
        control.start()
        _answer({"url": edge.url, "https_url": edge.https_url, "control": control.url})
        threading.Thread(target=_signals, args=(edge, stop), daemon=True).start()
        _settle()
        stop.wait()
    finally:
        control.stop()
        edge.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
