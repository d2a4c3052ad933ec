"""The in-process hand-over: a request given to a part served in this process gets the answer
its socket gives, the emulator sees the environ werkzeug's server would build, and an ASGI
part runs on its own server's loop whoever calls it."""

import asyncio
import json
import socket
import threading

import httpx
import pytest
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.plumbing import in_process
from harness.plumbing.servers import ServerThread

SIGNED = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/{}/aws4_request, x=y"
# What werkzeug's server adds per connection or that names the socket; the rest must match.
PER_SOCKET = {"wsgi.input", "wsgi.errors", "werkzeug.socket", "REMOTE_PORT", "wsgi.multithread"}


@pytest.fixture
def capturing_server():
    """A werkzeug server with moto's request handler, as the embedded emulator runs, whose app
    keeps the environ of each request."""
    seen = []

    def app(environ, start_response):
        seen.append(dict(environ))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.seen = seen
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()


def test_the_emulator_sees_the_environ_werkzeugs_server_builds(capturing_server):
    path, query = "/bucket/a%20key%2Bplus/caf%C3%A9", "list-type=2&prefix=a%2Fb"
    headers = [
        ("Host", capturing_server.url.removeprefix("http://")),
        ("Content-Type", "application/octet-stream"),
        ("X-Amz-Meta-My_Key", "underscored"),  # moto keeps S3 metadata names as sent
        ("X-Amz-Meta-Twice", "one"),
        ("X-Amz-Meta-Twice", "two"),
        ("Authorization", SIGNED.format("s3")),
    ]
    body = b"payload"
    head = "".join(f"{k}: {v}\r\n" for k, v in [*headers, ("Content-Length", str(len(body)))])
    with socket.create_connection(("127.0.0.1", capturing_server.server_address[1])) as sock:
        sock.sendall(f"PUT {path}?{query} HTTP/1.1\r\n{head}\r\n".encode() + body)
        assert b" 200 " in sock.recv(4096).split(b"\r\n")[0]
    (served,) = capturing_server.seen
    built = in_process.wsgi_environ(capturing_server.url, "PUT", path, query, headers, body)
    kept = lambda environ: {k: v for k, v in environ.items() if k not in PER_SOCKET}  # noqa: E731
    assert kept(built) == kept(served)
    assert built["wsgi.input"].read() == body


def test_the_embedded_emulator_answers_in_process_as_through_its_socket():
    backend = EmbeddedBackend("us-east-1").start()
    url = backend.endpoints.default
    try:
        handler = in_process.served(url)
        assert handler is not None
        headers = [
            ("X-Amz-Target", "DynamoDB_20120810.ListTables"),
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Authorization", SIGNED.format("dynamodb")),
        ]
        direct = httpx.post(url + "/", headers=headers, content=b"{}", trust_env=False)
        status, answered, body = asyncio.run(handler("POST", "/", "", headers, b"{}"))
        assert (status, json.loads(body)) == (direct.status_code, direct.json())
        names = {name.lower() for name, _ in answered}
        assert {"server", "date", "x-amz-crc32"} <= names  # as werkzeug's server and moto send
    finally:
        backend.stop()
    assert in_process.served(url) is None  # a stopped emulator is reached through its socket


def test_an_asgi_part_runs_on_its_own_loop_whoever_calls():
    loops = []

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        loops.append(asyncio.get_running_loop())
        body = (await receive())["body"]
        host = dict(scope["headers"])[b"host"]
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-host", host)]})
        await send({"type": "http.response.body", "body": body.upper()})

    server = ServerThread(app, name="in-process-test", lifespan="on").start()
    try:
        httpx.post(server.url, content=b"x", trust_env=False)  # learns the server's loop
        (server_side,) = loops
        handler = in_process.asgi(app, server.url, server_side)
        status, headers, body = asyncio.run(handler("POST", "/", "", [], b"shared"))
    finally:
        server.stop()
    assert (status, body) == (201, b"SHARED")
    assert loops[-1] is server_side  # not the caller's loop
    assert dict(headers)["x-host"] == server.url.removeprefix("http://")  # Host as a client's
