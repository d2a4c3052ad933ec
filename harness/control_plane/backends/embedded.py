"""The default backend: a moto server inside the harness process, on 127.0.0.1."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from harness.control_plane.endpoints import EndpointMap
from harness.errors import HarnessError
from harness.plumbing.servers import LOOPBACK, bind


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, region: str, port: int = 0, log_path: Path | None = None) -> None:
        self.region = region
        self.port = port
        self.log_path = log_path
        self.emulator_log = None
        self._server = None
        self.endpoints: EndpointMap | None = None

    def start(self) -> EmbeddedBackend:
        from harness.control_plane.backends import moto_models, moto_routes
        from harness.control_plane.backends.emulator_log import EmulatorLog
        from harness.control_plane.backends.moto_server import LoggedMotoServer  # heavy import
        from harness.control_plane.backends.region_lists import remember_region_lists

        # moto builds its EC2 catalogue of public AMIs on first use; AnimeHub launches no
        # instance. moto reads this per call, so setting it when the emulator starts (not at
        # import) is enough; a value the user set wins.
        os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        remember_region_lists()
        moto_models.install()
        moto_routes.install()

        # werkzeug would log each failure to stderr too; the emulator log has them, with the
        # operation (harness/control_plane/backends/emulator_log.py).
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        if self.port:
            bind(LOOPBACK, self.port, "emulator_port").close()
        self.emulator_log = EmulatorLog(self.log_path, name=str(id(self)))
        server = LoggedMotoServer(self.emulator_log, LOOPBACK, self.port)
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
        if self.emulator_log is not None:
            self.emulator_log.close()

    def health(self) -> dict:
        return {
            "backend": self.name,
            "running": self._server is not None,
            "endpoints": self.endpoints.describe() if self.endpoints else {},
            **(self.emulator_log.health() if self.emulator_log else {}),
        }
