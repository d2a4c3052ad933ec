"""Backends: where the AWS APIs come from. Each yields an EndpointMap once started."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from harness.control_plane.endpoints import EndpointMap
from harness.errors import ConfigError
from harness.settings import Settings


class Backend(Protocol):
    name: str
    endpoints: EndpointMap | None

    def start(self) -> Backend: ...

    def stop(self) -> None: ...

    def health(self) -> dict: ...


def create_backend(settings: Settings) -> Backend:
    if settings.backend == "embedded":
        from harness.control_plane.backends.embedded import EmbeddedBackend

        log_path = Path(settings.run_dir) / "logs" / "emulator.log"
        return EmbeddedBackend(settings.region, settings.emulator_port, log_path)
    if settings.backend == "endpoint":
        from harness.control_plane.backends.endpoint import EndpointBackend

        return EndpointBackend.from_settings(settings)
    if settings.backend == "containers":
        from harness.control_plane.backends.containers import ContainersBackend

        return ContainersBackend.from_settings(settings)
    if settings.backend == "aws":
        from harness.control_plane.backends.aws import AwsBackend

        return AwsBackend.from_settings(settings)
    raise ConfigError("backend", f"unknown backend {settings.backend!r}")
