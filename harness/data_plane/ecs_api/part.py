"""The ECS API front as a running part: start/stop/url/health."""

from __future__ import annotations

import dataclasses

from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.ecs_api.app import EcsApiApp
from harness.data_plane.ecs_api.view import AgentView
from harness.plumbing.servers import ServerThread


class EcsApiFront:
    """Stands where clients reach ECS; `endpoints` gives them its URL for the ecs service."""

    def __init__(self, upstream: EndpointMap) -> None:
        self.upstream = upstream
        self.app = EcsApiApp(upstream.url("ecs") or "")
        self._server: ServerThread | None = None

    @property
    def url(self) -> str | None:
        return self._server.url if self._server else None

    @property
    def endpoints(self) -> EndpointMap:
        """The upstream map with ECS pointed here."""
        per_service = {**self.upstream.per_service, "ecs": self.url}
        return dataclasses.replace(self.upstream, per_service=per_service)

    def start(self) -> EcsApiFront:
        self._server = ServerThread(self.app, name="ecs_api").start()
        return self

    def serve(self, agent) -> None:
        """Answer for `agent`'s cluster from now on."""
        ecs = self.upstream.client("ecs")
        (cluster,) = ecs.describe_clusters(clusters=[agent.cluster])["clusters"]
        self.app.view = AgentView(agent, cluster["clusterArn"], self.upstream.region)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def health(self) -> dict:
        return {
            "url": self.url,
            "upstream": self.app.upstream,
            "serving_cluster": self.app.view.agent.cluster if self.app.view else None,
            "answered_from_the_agent": self.app.intercepted,
        }
