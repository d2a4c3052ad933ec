"""The control-plane front as a running part: start/stop/url/health."""

from __future__ import annotations

from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.api_front.app import FrontApp
from harness.data_plane.api_front.application_autoscaling import ApplicationAutoScalingInterceptor
from harness.data_plane.api_front.cloudfront import CloudFrontInterceptor
from harness.data_plane.api_front.cloudfront_functions import CloudFrontFunctionsFront
from harness.data_plane.api_front.ecs import EcsInterceptor
from harness.data_plane.api_front.ecs_view import AgentView
from harness.data_plane.api_front.elbv2 import Elbv2Interceptor
from harness.data_plane.api_front.sns import SnsInterceptor
from harness.plumbing import in_process
from harness.plumbing.servers import ServerThread

SERVICES = ("ecs", "cloudfront", "elbv2", "sns", "application-autoscaling")


class ApiFront:
    """Stands where clients reach ECS, CloudFront, ELBv2, SNS and Application Auto Scaling;
    `endpoints` points them here."""

    def __init__(self, upstream: EndpointMap) -> None:
        self.upstream = upstream
        self.app = FrontApp({s: upstream.url(s) or "" for s in SERVICES})
        self.cloudfront_functions = CloudFrontFunctionsFront()
        self.app.interceptors["cloudfront"] = self.cloudfront_functions
        self._server: ServerThread | None = None

    @property
    def url(self) -> str | None:
        return self._server.url if self._server else None

    @property
    def endpoints(self) -> EndpointMap:
        """The upstream map with these services pointed here."""
        return self.route(self.upstream)

    def route(self, endpoints: EndpointMap) -> EndpointMap:
        """`endpoints` (e.g. with Cognito behind its own front) with these services pointed here."""
        return endpoints.pointing(SERVICES, self.url)

    def start(self) -> ApiFront:
        self._server = ServerThread(self.app, name="api_front", lifespan="on").start()
        # The AWS fault proxy hands the tasks' SNS calls over in-process, on the front's loop.
        in_process.serve(self.url, in_process.asgi(self.app, self.url, self.app.loop))
        return self

    def serve_ecs(self, agent) -> None:
        """Answer for `agent`'s cluster from now on."""
        ecs = self.upstream.internal_client("ecs")
        (cluster,) = ecs.describe_clusters(clusters=[agent.cluster])["clusters"]
        view = AgentView(agent, cluster["clusterArn"], self.upstream.region)
        self.app.interceptors["ecs"] = EcsInterceptor(view)

    def serve_cloudfront(self, edge) -> None:
        """Report `edge`'s distribution's invalidations as the edge applies them."""
        self.cloudfront_functions.then = CloudFrontInterceptor(edge)

    def serve_elbv2(self, alb) -> None:
        """Report the health of `alb`'s target group's targets as the ALB checks them."""
        self.app.interceptors["elbv2"] = Elbv2Interceptor(alb)

    def serve_sns(self, delivery) -> None:
        """HTTP(S) subscriptions confirmed and delivered by `delivery` (sns_delivery)."""
        self.app.interceptors["sns"] = SnsInterceptor(delivery)

    def serve_autoscaling(self, scaler) -> None:
        """Answer DescribeScalingActivities with what `scaler` did."""
        self.app.interceptors["application-autoscaling"] = ApplicationAutoScalingInterceptor(
            scaler.activities
        )

    def watch(self, service: str, changed) -> None:
        """Call `changed()` after each successful write to `service` through the front; it
        runs on the front's loop, so it must only signal (set an event), never call AWS."""
        self.app.watchers.setdefault(service, []).append(changed)

    def stop(self) -> None:
        if self._server is not None:
            in_process.withdraw(self._server.url)
            self._server.stop()
            self._server = None

    def health(self) -> dict:
        return {
            "url": self.url,
            "upstreams": {s: u.url for s, u in self.app.upstreams.items()},
            "serving": sorted(self.app.interceptors),
            "answered": dict(self.app.answered),
        }
