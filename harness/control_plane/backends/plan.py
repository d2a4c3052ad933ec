"""Where each service will point under these settings, before anything starts: for the pytest
report header and for `status` of a stack not yet up. Reads settings only; starts nothing."""

from __future__ import annotations

from harness.control_plane.endpoints import SERVICES
from harness.settings import Settings


def planned_endpoints(settings: Settings) -> dict[str, str]:
    """Service -> URL, or the emulator that will serve it ("embedded", "localstack", ...)."""
    if settings.backend == "endpoint":
        from harness.control_plane.backends.endpoint_config import merged_endpoints

        default, per_service = merged_endpoints(
            settings.endpoint_file, settings.endpoint_url, settings.endpoint_urls, settings.name_of
        )
        return {s: per_service.get(s, default or "unset") for s in SERVICES}
    if settings.backend == "containers":
        import os

        from harness.control_plane.backends.container_specs import routing

        return routing(os.environ.get("LOCALSTACK_AUTH_TOKEN") or None)
    if settings.backend == "aws":
        from harness.control_plane.backends.endpoint_config import parse_endpoint_urls

        per_service = parse_endpoint_urls(settings.endpoint_urls or "")
        return {s: per_service.get(s, "aws") for s in SERVICES}
    return dict.fromkeys(SERVICES, "embedded")
