"""The endpoint backend: emulators that already run (a compose file, a shared dev box).

It starts nothing of its own except, for services mapped to `embedded`, a moto server in the
harness process. Before provisioning it checks that every service answers where the map says.
"""

from __future__ import annotations

from contextlib import ExitStack

from harness.control_plane.backends.endpoint_config import EMBEDDED, merged_endpoints
from harness.control_plane.backends.probe import probe_all
from harness.control_plane.endpoints import STACK_SERVICES, EndpointMap
from harness.errors import ConfigError


class EndpointBackend:
    name = "endpoint"

    def __init__(self, region: str, default: str | None, per_service: dict[str, str]) -> None:
        missing = [s for s in STACK_SERVICES if s not in per_service and not default]
        if missing:
            raise ConfigError(
                "--endpoint-urls (ANIMEHUB_ENDPOINT_URLS)",
                f"no endpoint for {', '.join(missing)}; set --endpoint-url "
                "(ANIMEHUB_ENDPOINT_URL, one base URL for every service) or name each service",
            )
        self.region = region
        self.default = default
        self.per_service = dict(per_service)
        self.endpoints: EndpointMap | None = None
        self._embedded = None

    @classmethod
    def from_settings(cls, settings) -> EndpointBackend:
        default, per_service = merged_endpoints(
            settings.endpoint_file, settings.endpoint_url, settings.endpoint_urls, settings.name_of
        )
        if default is None and not per_service:
            raise ConfigError(
                settings.name_of("backend"),
                "the endpoint backend needs a URL: --endpoint-url (ANIMEHUB_ENDPOINT_URL), "
                "--endpoint-urls (ANIMEHUB_ENDPOINT_URLS) or --endpoint-file "
                "(ANIMEHUB_ENDPOINT_FILE)",
            )
        return cls(settings.region, default, per_service)

    @property
    def probed_services(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*STACK_SERVICES, *sorted(self.per_service))))

    def start(self) -> EndpointBackend:
        with ExitStack() as started:
            embedded_url = self._start_embedded(started) if self._wants_embedded() else None
            endpoints = EndpointMap(
                default=embedded_url if self.default == EMBEDDED else self.default,
                region=self.region,
                per_service={
                    s: embedded_url if url == EMBEDDED else url
                    for s, url in self.per_service.items()
                },
            )
            probe_all(endpoints, self.probed_services)
            started.pop_all()
        self.endpoints = endpoints
        return self

    def _wants_embedded(self) -> bool:
        return EMBEDDED in (self.default, *self.per_service.values())

    def _start_embedded(self, started: ExitStack) -> str:
        from harness.control_plane.backends.embedded import EmbeddedBackend

        self._embedded = EmbeddedBackend(self.region)
        started.callback(self.stop)
        return self._embedded.start().endpoints.default

    def stop(self) -> None:
        embedded, self._embedded = self._embedded, None
        if embedded is not None:
            embedded.stop()

    def health(self) -> dict:
        return {
            "backend": self.name,
            "running": self.endpoints is not None,
            "endpoints": self.endpoints.describe() if self.endpoints else {},
            "probed": list(self.probed_services),
        }
