"""The edge as a running part: config poller + cache + ASGI app on a ServerThread."""

from __future__ import annotations

import logging
import pathlib
import secrets
from collections.abc import Mapping

from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.edge.access_log import FILE_NAME as ACCESS_LOG
from harness.data_plane.edge.access_log import EdgeAccessLog
from harness.data_plane.edge.app import EdgeApp
from harness.data_plane.edge.cache import ResponseCache
from harness.data_plane.edge.config import ConfigPoller
from harness.data_plane.edge.origins import CustomOrigin, S3Origin
from harness.faults.http import wrap
from harness.plumbing.keep_alive_client import KeepAliveClient
from harness.plumbing.local_ca import LocalCA, ServerCertificate
from harness.plumbing.servers import ServerThread

log = logging.getLogger("harness.data_plane.edge")

POP = "LCL50-P1"
# Connections to custom origins per listener: open at once (a request past it waits), idle kept.
ORIGIN_MAX_OPEN, ORIGIN_MAX_IDLE = 100, 20


def edge_certificate(tls_dir: pathlib.Path, aliases) -> ServerCertificate:
    """The edge's HTTPS certificate, issued by the run's local CA: the distribution's alternate
    domain names, and the loopback address standing in for the *.cloudfront.net name
    CloudFront's own certificate covers."""
    return LocalCA(tls_dir).issue("edge", list(aliases), ["127.0.0.1"])


class Edge:
    """Serves one CloudFront distribution on 127.0.0.1, configured only through the API."""

    def __init__(
        self,
        endpoints: EndpointMap,
        distribution_id: str,
        origin_urls: Mapping[str, str],
        *,
        port: int = 0,
        refresh_interval: float = 0.5,
        log_dir: pathlib.Path | None = None,
        faults=None,
        tls_dir: pathlib.Path | None = None,
        https_port: int = 0,
        certificate: ServerCertificate | None = None,
    ) -> None:
        """`tls_dir`: where the run's local CA lives; with it the edge also serves HTTPS, with
        `certificate` if given (`edge_certificate`, issued by the caller), else one it issues."""
        self.endpoints = endpoints
        self.distribution_id = distribution_id
        self.origin_urls = dict(origin_urls)
        self.port = port
        self.refresh_interval = refresh_interval
        self.log_dir = log_dir
        self.faults = faults  # harness.faults.store.FaultStore, or None
        self.tls_dir = tls_dir
        self.https_port = https_port
        self.certificate = certificate
        self.via = f"1.1 {secrets.token_hex(16)}.cloudfront.net (CloudFront)"
        self.cache = ResponseCache()
        self._poller: ConfigPoller | None = None
        self._server: ServerThread | None = None
        self._https_server: ServerThread | None = None
        self._origins = KeepAliveClient(max_open=ORIGIN_MAX_OPEN, max_idle=ORIGIN_MAX_IDLE)
        self._https_origins = KeepAliveClient(max_open=ORIGIN_MAX_OPEN, max_idle=ORIGIN_MAX_IDLE)
        self._access_log: EdgeAccessLog | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("edge is not started")
        return self._server.url

    @property
    def https_url(self) -> str | None:
        return self._https_server.url if self._https_server else None

    @property
    def alias_url(self) -> str | None:
        """The HTTPS URL on the distribution's first alternate domain name."""
        distribution = self._poller.distribution if self._poller else None
        if self._https_server is None or distribution is None or not distribution.aliases:
            return None
        return f"https://{distribution.aliases[0]}:{self._https_server.port}"

    def __enter__(self) -> Edge:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> Edge:
        try:
            self._poller = ConfigPoller(
                self.endpoints.client("cloudfront"),
                self.distribution_id,
                self.origin_urls,
                self.cache,
                s3=self.endpoints.client("s3"),
                interval=self.refresh_interval,
            )
            self._poller.load()
            self._open_access_log()
            app = self._app(self._origins)
            self._server = ServerThread(
                wrap(self._origins.serve(app), "viewer-edge", self.faults),
                name="edge",
                port=self.port,
                lifespan="on",
            )
            if self.tls_dir is not None:
                self._https_server = self._https_listener()
                app.https_port = self._https_server.port
                self._https_server.start()
            self._server.start()
            self._poller.start()
        except BaseException:
            self.stop()
            raise
        log.info("edge: distribution %s served at %s", self.distribution_id, self.url)
        return self

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.stop()
        if self._https_server is not None:
            self._https_server.stop()
            self._https_server = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._close_access_log()

    def _app(self, pool: KeepAliveClient) -> EdgeApp:
        poller = self._poller
        assert poller is not None
        custom = CustomOrigin(pool, self.origin_urls)
        return EdgeApp(
            poller,
            self.cache,
            S3Origin(
                self.endpoints.client("s3"),
                may_read=poller.may_read,
                missing_key_status=poller.missing_key_status,
            ),
            # Custom origins share the listener's one pool, closed with its server.
            lambda: custom,
            via=self.via,
            pop=POP,
            access_log=self._access_log,
        )

    def _https_listener(self) -> ServerThread:
        """HTTPS with `edge_certificate` for the distribution's alternate domain names. Its own
        app and origin pool: a pool belongs to the event loop of the server that opened it."""
        assert self.tls_dir is not None and self._poller is not None
        certificate = self.certificate
        if certificate is None:
            distribution = self._poller.distribution
            certificate = edge_certificate(
                self.tls_dir, distribution.aliases if distribution else ()
            )
        app = self._app(self._https_origins)
        return ServerThread(
            wrap(self._https_origins.serve(app), "viewer-edge", self.faults),
            name="edge-https",
            port=self.https_port,
            lifespan="on",
            tls=certificate,
        )

    def _open_access_log(self) -> None:
        if self.log_dir is None:
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._access_log = EdgeAccessLog(self.log_dir / ACCESS_LOG)

    def _close_access_log(self) -> None:
        if self._access_log is not None:
            self._access_log.close()
            self._access_log = None

    def poll_now(self) -> None:
        if self._poller is not None:
            self._poller.poll_now()

    def invalidation_applied(self, invalidation_id: str) -> bool:
        """True once the edge has purged what the invalidation names."""
        return self._poller is not None and self._poller.applied(invalidation_id)

    def cache_entries(self) -> list[dict]:
        return self.cache.describe()

    def faults_injected(self, fault_id: str) -> int:
        """How often the viewers' requests met this fault (hop `viewer-edge`)."""
        return self.faults.injected(fault_id) if self.faults is not None else 0

    def health(self) -> dict:
        poller = self._poller
        distribution = poller.distribution if poller else None
        return {
            "distribution_id": self.distribution_id,
            "url": self._server.url if self._server else None,
            "https_url": self.https_url,
            "aliases": list(distribution.aliases) if distribution else [],
            "serving": self._server is not None,
            "config_etag": distribution.etag if distribution else None,
            "config_generation": poller.config_generation if poller else 0,
            "config_loaded_at": poller.loaded_at if poller else None,
            "last_refresh_at": poller.last_refresh_at if poller else None,
            "last_refresh_error": poller.last_error if poller else None,
            "config_errors": distribution.config_errors if distribution else [],
            "unmapped_custom_origins": sorted(
                o.domain_name
                for o in (distribution.origins.values() if distribution else ())
                if not o.is_s3 and o.domain_name not in self.origin_urls
            ),
            "invalidations_applied": poller.invalidations_applied if poller else 0,
            "cache_entries": len(self.cache),
            "behaviours": [b.describe() for b in distribution.behaviours] if distribution else [],
        }
