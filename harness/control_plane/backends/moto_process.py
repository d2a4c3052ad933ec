"""A moto server in its own process, for topologies of several emulators (moto keeps its state
per process, so two emulators that must not share state need two processes)."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.control_plane.backends.emulator_process import EmulatorProcess
from harness.plumbing.servers import LOOPBACK


class MotoProcess(EmulatorProcess):
    def __init__(self, name: str, log_path: Path | None = None) -> None:
        super().__init__(
            name,
            [sys.executable, "-m", "harness.control_plane.backends.moto_process"],
            env={"MOTO_EC2_LOAD_DEFAULT_AMIS": "false"},
            log_path=log_path,
        )


def _serve() -> None:
    import logging

    from moto.server import ThreadedMotoServer

    from harness.control_plane.backends import cloudwatch_dimensions

    cloudwatch_dimensions.install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    _warm(f"http://{host}:{port}")
    sys.stdout.write(f"http://{host}:{port}\n")
    sys.stdout.flush()
    sys.stdin.buffer.read()  # returns at EOF: the parent stopped us or died
    # Exiting ends the server's daemon thread at once; server.stop() would add half a second.


def _warm(url: str) -> None:
    """Each service's first answer imports and builds its backend (EC2's takes seconds on a busy
    machine): do it, one service at a time, before reporting the URL, so the process is ready
    when it says so and concurrent first calls do not queue behind each other."""
    import contextlib

    from botocore.exceptions import ClientError

    from harness.control_plane.backends.probe import CHEAP_CALLS
    from harness.control_plane.endpoints import STACK_SERVICES, EndpointMap

    endpoints = EndpointMap(default=url, region="us-east-1")
    for service in STACK_SERVICES:
        operation, arguments, _ = CHEAP_CALLS[service]
        # An AWS error (sqs's probe asks for a queue that does not exist) warms it too.
        with contextlib.suppress(ClientError):
            getattr(endpoints.client(service), operation)(**arguments)


if __name__ == "__main__":
    _serve()
