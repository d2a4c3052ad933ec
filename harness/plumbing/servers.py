"""Run an ASGI app with uvicorn in a background thread, on a socket bound before it starts."""

from __future__ import annotations

import errno
import socket
import threading

from harness.errors import HarnessError

LOOPBACK = "127.0.0.1"


def bind(host: str, port: int, what: str) -> socket.socket:
    """A listening-ready TCP socket; port 0 picks a free one. A taken port is a HarnessError."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only then, sparing each response ~40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise HarnessError(f"{what}: port {port} on {host} is already in use") from None
        raise HarnessError(f"{what}: cannot bind {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(False)
    return sock


class ServerThread:
    """One uvicorn server in a daemon thread. `start()` returns once it accepts connections.

    The harness's servers are proxies themselves, so by default uvicorn neither trusts an
    incoming X-Forwarded-For (the peer address must stay the real one) nor adds Server and
    Date headers (the origin's pass through).
    """

    def __init__(
        self,
        app,
        *,
        name: str,
        host: str = LOOPBACK,
        port: int = 0,
        proxy_headers: bool = False,
        server_header: bool = False,
        date_header: bool = False,
        lifespan: str = "off",
        tls=None,
    ) -> None:
        """`tls`: a `local_ca.ServerCertificate` to serve HTTPS with, else plain HTTP."""
        self.name = name
        self.scheme = "https" if tls is not None else "http"
        self._sock = bind(host, port, name)
        self.host, self.port = self._sock.getsockname()[:2]
        # Here, not at the top: `harness up` checks its fixed ports with bind() before anything
        # else, and uvicorn (with asyncio) takes a second to import on a loaded machine.
        import uvicorn

        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan=lifespan,
            timeout_keep_alive=30,
            timeout_graceful_shutdown=2,
            proxy_headers=proxy_headers,
            server_header=server_header,
            date_header=date_header,
            ssl_certfile=str(tls.cert_path) if tls is not None else None,
            ssl_keyfile=str(tls.key_path) if tls is not None else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def keep_idle_connections(self, seconds: float) -> None:
        """How long a client connection accepted from now on stays open idle between requests
        (uvicorn's keep-alive, 30 s unless told; each connection reads it when accepted)."""
        self._server.config.timeout_keep_alive = seconds

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self._error = exc

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        waited = 0.0
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise HarnessError(f"{self.name}: server failed to start: {self._error}")
            if waited >= timeout:
                raise HarnessError(f"{self.name}: server not listening after {timeout:.0f}s")
            self._thread.join(0.01)
            waited += 0.01
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.should_exit = True
            self._thread.join(5)
        self._sock.close()
