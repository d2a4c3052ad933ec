"""The containers backend: LocalStack and DynamoDB Local started by testcontainers.

Services LocalStack Community does not serve go to the embedded moto server unless
LOCALSTACK_AUTH_TOKEN unlocks them. Other images stand in by setting (ANIMEHUB_LOCALSTACK_IMAGE,
ANIMEHUB_DYNAMODB_IMAGE; e.g. the moto image harness.containers.moto_image builds): they serve on
the role's port, given in $PORT, and are ready once they answer an AWS call. Containers carry the
run's label and are removed on stop, and by the harness's own reaper process if the harness dies
first: testcontainers' reaper (Ryuk) is an image to pull, so it is turned off.
"""

from __future__ import annotations

import logging
import os
import uuid
from contextlib import ExitStack

from harness.containers.engine import API_VERSION, engine_host, unavailable_reason
from harness.control_plane.backends.container_specs import (
    DYNAMODB_LOCAL,
    EMBEDDED,
    LOCALSTACK,
    LOCALSTACK_IMAGE,
    RUN_LABEL,
    ContainerSpec,
    dynamodb_local_spec,
    localstack_spec,
    routing,
)
from harness.control_plane.backends.readiness import (
    answers_aws,
    localstack_health,
    wait_until_ready,
)
from harness.control_plane.endpoints import EndpointMap
from harness.errors import HarnessError
from harness.plumbing.servers import LOOPBACK

log = logging.getLogger("harness.control_plane.backends.containers")


def endpoint_map(routes: dict[str, str], urls: dict[str, str], region: str) -> EndpointMap:
    """LocalStack is the default; every service routed elsewhere gets its own URL."""
    return EndpointMap(
        default=urls[LOCALSTACK],
        region=region,
        per_service={s: urls[target] for s, target in routes.items() if target != LOCALSTACK},
    )


class ContainersBackend:
    name = "containers"

    def __init__(
        self,
        region: str,
        auth_token: str | None = None,
        emulator_port: int = 0,
        timeout: float = 120,
        images: dict[str, str | None] | None = None,
    ) -> None:
        self.region = region
        self.run_id = uuid.uuid4().hex[:12]
        self.routes = routing(auth_token)
        images = images or {}
        self.specs = (
            localstack_spec(region, auth_token, self.run_id, images.get(LOCALSTACK)),
            dynamodb_local_spec(self.run_id, images.get(DYNAMODB_LOCAL)),
        )
        self._reaper = None
        self.emulator_port = emulator_port
        self.timeout = timeout
        self.endpoints: EndpointMap | None = None
        self.docker_available = False
        self._containers: dict[str, object] = {}
        self._embedded = None

    @classmethod
    def from_settings(cls, settings) -> ContainersBackend:
        return cls(
            settings.region,
            os.environ.get("LOCALSTACK_AUTH_TOKEN") or None,
            settings.emulator_port,
            images={LOCALSTACK: settings.localstack_image, DYNAMODB_LOCAL: settings.dynamodb_image},
        )

    def start(self) -> ContainersBackend:
        reason = unavailable_reason()
        if reason:
            raise HarnessError(f"containers backend: {reason}")
        from testcontainers.core.config import testcontainers_config

        from harness.containers.reaper import Reaper

        testcontainers_config.ryuk_disabled = True  # the harness's reaper does its job
        with ExitStack() as started:
            started.callback(self.stop)
            self._reaper = Reaper(f"{RUN_LABEL}={self.run_id}").start()
            urls = {spec.role: self._run(spec) for spec in self.specs}
            if EMBEDDED in self.routes.values():
                from harness.control_plane.backends.embedded import EmbeddedBackend

                self._embedded = EmbeddedBackend(self.region, self.emulator_port).start()
                urls[EMBEDDED] = self._embedded.endpoints.default
            self._wait(urls)
            self.docker_available = True
            self.endpoints = endpoint_map(self.routes, urls, self.region)
            started.pop_all()
        return self

    def _run(self, spec: ContainerSpec) -> str:
        from testcontainers.core.container import DockerContainer

        engine = {"environment": {"DOCKER_HOST": engine_host()}, "version": API_VERSION}
        container = DockerContainer(spec.image, docker_client_kw=engine, labels=dict(spec.labels))
        container.with_envs(**spec.env)
        if spec.command:
            container.with_command(list(spec.command))
        container.ports[f"{spec.port}/tcp"] = (LOOPBACK, None)  # a free port, on loopback only
        self._containers[spec.role] = container
        container.start()
        return f"http://{LOOPBACK}:{container.get_exposed_port(spec.port)}"

    def _wait(self, urls: dict[str, str]) -> None:
        served = [s for s, target in self.routes.items() if target == LOCALSTACK]
        localstack_ready = (
            localstack_health(urls[LOCALSTACK], served)
            if self.specs[0].image == LOCALSTACK_IMAGE
            else answers_aws(urls[LOCALSTACK], "s3", self.region)
        )
        for role, check in (
            (LOCALSTACK, localstack_ready),
            (DYNAMODB_LOCAL, answers_aws(urls[DYNAMODB_LOCAL], "dynamodb", self.region)),
        ):
            logs = self._containers[role].get_logs
            wait_until_ready(
                check,
                what=f"{role} at {urls[role]}",
                timeout=self.timeout,
                logs=lambda logs=logs: b"".join(logs()).decode(errors="replace"),
            )

    def stop(self) -> None:
        containers, self._containers = self._containers, {}
        for container in containers.values():
            try:
                container.stop()
            except Exception as exc:  # noqa: BLE001 - Ryuk removes what we could not
                log.warning("could not remove a container: %s", exc)
        embedded, self._embedded = self._embedded, None
        if embedded is not None:
            embedded.stop()
        reaper, self._reaper = self._reaper, None
        if reaper is not None:
            reaper.close()  # sweeps whatever of the run's containers is left

    def health(self) -> dict:
        return {
            "backend": self.name,
            "running": self.endpoints is not None,
            "endpoints": self.endpoints.describe() if self.endpoints else {},
            "routes": dict(self.routes),
            "containers": {spec.role: spec.describe() for spec in self.specs},
            "run_label": self.run_id,
        }
