"""The default backend: a moto server inside the harness process, on 127.0.0.1."""

from __future__ import annotations

import logging
import os

from harness.control_plane.endpoints import EndpointMap
from harness.errors import HarnessError
from harness.plumbing.servers import LOOPBACK, bind


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, region: str, port: int = 0) -> None:
        self.region = region
        self.port = port
        self._server = None
        self.endpoints: EndpointMap | None = None

    def start(self) -> EmbeddedBackend:
        from moto.server import ThreadedMotoServer  # heavy import, paid only by this backend

        from harness.control_plane.backends.region_lists import remember_region_lists

        # moto builds its EC2 catalogue of public AMIs on first use; AnimeHub launches no
        # instance. moto reads this per call, so setting it when the emulator starts (not at
        # import) is enough; a value the user set wins.
        os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        remember_region_lists()

        # moto logs a traceback for every request it cannot serve; callers see the error anyway.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        if self.port:
            bind(LOOPBACK, self.port, "emulator_port").close()
        server = ThreadedMotoServer(ip_address=LOOPBACK, port=self.port, verbose=False)
        try:
            server.start()
        except OSError as exc:
            raise HarnessError(f"embedded emulator: cannot listen: {exc.strerror}") from None
        self._server = server
        host, port = server.get_host_and_port()
        self.port = port
        self.endpoints = EndpointMap(default=f"http://{host}:{port}", region=self.region)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def health(self) -> dict:
        return {
            "backend": self.name,
            "running": self._server is not None,
            "endpoints": self.endpoints.describe() if self.endpoints else {},
        }
