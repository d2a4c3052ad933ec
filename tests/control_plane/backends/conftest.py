import http.server
import socket
import threading

import pytest

from harness.control_plane.backends.two_emulators import two_emulators


@pytest.fixture(scope="session")
def emulators():
    """Two moto processes: the LocalStack stand-in and the DynamoDB Local stand-in."""
    with two_emulators() as running:
        yield running


class _HtmlPage(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = b"<!doctype html><html><body><h1>It works</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def html_server():
    """A web server that answers 200 with HTML to everything: up, but not an AWS API."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlPage)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def closed_port_url():
    """A loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
