"""A request from one part of the harness to another part served in the same process, handed
over without a socket: a part registers the app it serves under its URL, and a proxy about to
send a request to that URL calls the app instead, with the same request and the same answer.

The emulator's WSGI app runs on a worker thread as werkzeug's server would run it (the same
environ, the Server and Date headers it adds); an ASGI part's app runs on its own loop. What is
saved is the HTTP client, the server's parsing, and for the emulator a thread per connection:
under share load the harness spent about a third of its CPU on those hops (#14). Callers from
another process (the API tasks, the edge) still reach every part through its socket."""

from __future__ import annotations

import asyncio
import email.utils
import functools
import io
import logging
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote, urlsplit

Headers = list[tuple[str, str]]
Answer = tuple[int, Headers, bytes]
# handler(method, raw path, query string, headers, body) -> (status, headers, body)
Handler = Callable[[str, str, str, Headers, bytes], Awaitable[Answer]]
# A handler's `blocking(method, path, query, headers, body, timeout)`: the same call from a
# thread without a loop (a boto3 client's), an exception in the app answered as the part's
# server answers it; None when it cannot be made here (see `asgi`); TimeoutError after
# `timeout` seconds without an answer.

_served: dict[str, Handler] = {}
_lock = threading.Lock()
# werkzeug's server gives each connection a thread; these threads are kept instead.
WSGI_THREADS = 32
_pool: ThreadPoolExecutor | None = None


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}"


def serve(url: str, handler: Handler) -> None:
    """From now on, requests this process would send to `url` go to `handler`."""
    with _lock:
        _served[_key(url)] = handler


def withdraw(url: str) -> None:
    with _lock:
        _served.pop(_key(url), None)


def served(url: str) -> Handler | None:
    """The handler for `url`'s server when it runs in this process, else None."""
    return _served.get(_key(url)) if url else None


def _wsgi_text(value: str) -> str:
    return value.encode("utf-8").decode("latin-1")  # PEP 3333's native strings


@functools.cache
def _moto_header_rules() -> tuple:
    """moto's header naming, imported once (an import statement per request cost ~5 us)."""
    from moto.core.request import (
        PRESERVED_HEADER_NAMES_ENVIRON_KEY,
        should_preserve_original_header_name,
    )
    from moto.moto_server.werkzeug_app import environ_key_for_header

    return (
        PRESERVED_HEADER_NAMES_ENVIRON_KEY,
        should_preserve_original_header_name,
        environ_key_for_header,
    )


def wsgi_environ(
    url: str, method: str, path: str, query: str, headers: Headers, body: bytes
) -> dict:
    """The environ werkzeug's server (with moto's request handler) builds for this request."""
    preserved_names, should_preserve, environ_key_for_header = _moto_header_rules()
    parts = urlsplit(url)
    target = path + (f"?{query}" if query else "")
    environ = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": WERKZEUG_VERSION,
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _wsgi_text(unquote(path)),
        "QUERY_STRING": _wsgi_text(query),
        "REQUEST_URI": _wsgi_text(target),
        "RAW_URI": _wsgi_text(target),
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": 0,
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(parts.port),
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    names: dict[str, str] = {}
    for name, value in headers:
        key = environ_key_for_header(name)
        if "_" in name:  # moto keeps an underscored name (S3 metadata) unless a dashed one came
            if not should_preserve(name) or any(
                "_" not in n and environ_key_for_header(n) == key for n, _ in headers
            ):
                continue
            names.setdefault(key, name)
        value = value.replace("\r\n", "")
        if key in environ and key.startswith("HTTP_"):
            value = f"{environ[key]},{value}"
        environ[key] = value
    environ[preserved_names] = names
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is whole here
    if "HTTP_HOST" not in environ:
        environ["HTTP_HOST"] = parts.netloc
    return environ


def _werkzeug_version() -> str:
    import importlib.metadata

    return f"Werkzeug/{importlib.metadata.version('werkzeug')}"


WERKZEUG_VERSION = _werkzeug_version()
SERVER_HEADER = f"{WERKZEUG_VERSION} Python/{sys.version.split()[0]}"


@functools.lru_cache(maxsize=2)
def _http_date(second: int) -> str:
    """The Date header werkzeug's server writes, made once a second (it is to the second)."""
    return email.utils.formatdate(second, usegmt=True)


def _run_wsgi(app, environ: dict) -> Answer:
    """The app's own status, headers and body."""
    started: dict = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"], started["headers"] = status, list(response_headers)
        return lambda data: started.setdefault("written", []).append(data)

    chunks = app(environ, start_response)
    try:
        body = b"".join([*started.get("written", []), *chunks])
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return int(started["status"].split(" ", 1)[0]), started["headers"], body


def bodyless(method: str, status: int) -> bool:
    """An answer HTTP sends without a body (RFC 9110 6.4.1): to HEAD, 1xx, 204 and 304."""
    return method.upper() == "HEAD" or status < 200 or status in (204, 304)


def _call_wsgi(app, environ: dict) -> Answer:
    status, headers, body = _run_wsgi(app, environ)
    seen = {name.lower() for name, _ in headers}
    if "server" not in seen:
        headers.append(("Server", SERVER_HEADER))
    if "date" not in seen:
        headers.append(("Date", _http_date(int(time.time()))))
    if bodyless(environ["REQUEST_METHOD"], status):
        body = b""
    return status, headers, body


def _workers() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(WSGI_THREADS, thread_name_prefix="in-process")
    return _pool


def _call_wsgi_as_served(app, environ: dict) -> Answer:
    """The answer's fields as werkzeug's server writes them: its Server and Date first (before
    the app's own, which may repeat them), the app's, chunked framing where the app gave no
    length, then `Connection: close`. An exception before the app answered is its 500 (its
    InternalServerError page), the traceback logged as it logs it."""
    try:
        status, headers, body = _run_wsgi(app, environ)
    except Exception:
        from werkzeug.exceptions import InternalServerError

        logging.getLogger("werkzeug").exception("Error on request")
        environ["wsgi.input"] = io.BytesIO()
        status, headers, body = _run_wsgi(InternalServerError(), environ)
    first = [("Server", SERVER_HEADER), ("Date", _http_date(int(time.time())))]
    framing = []
    if not bodyless(environ["REQUEST_METHOD"], status) and all(
        n.lower() != "content-length" for n, _ in headers
    ):
        framing.append(("Transfer-Encoding", "chunked"))
    return status, [*first, *headers, *framing, ("Connection", "close")], body


def wsgi(app, url: str) -> Handler:
    """`app` (served at `url`) as a handler that runs it on a worker thread."""

    async def handle(method, path, query, headers, body) -> Answer:
        environ = wsgi_environ(url, method, path, query, headers, body)
        return await asyncio.get_running_loop().run_in_executor(
            _workers(), _call_wsgi, app, environ
        )

    def blocking(method, path, query, headers, body, timeout) -> Answer:
        environ = wsgi_environ(url, method, path, query, headers, body)
        return _workers().submit(_call_wsgi_as_served, app, environ).result(timeout)

    handle.blocking = blocking
    return handle


# What uvicorn answers when an ASGI app raises before it started its answer.
ASGI_SERVER_ERROR: Answer = (
    500,
    [
        ("content-type", "text/plain; charset=utf-8"),
        ("content-length", "21"),
        ("connection", "close"),
    ],
    b"Internal Server Error",
)


def asgi(app, url: str, loop: asyncio.AbstractEventLoop) -> Handler:
    """`app` (served at `url` by a server on `loop`) as a handler: it runs on `loop`, whichever
    loop awaits it, so the app's own clients stay on the loop that opened them."""
    parts = urlsplit(url)

    async def run(method, path, query, headers, body) -> Answer:
        has_host = any(name.lower() == "host" for name, _ in headers)  # else the client's own
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": parts.scheme,
            "path": unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": [(b"host", parts.netloc.encode("latin-1"))] * (not has_host)
            + [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            "client": ("127.0.0.1", 0),
            "server": (parts.hostname, parts.port),
        }
        answered = asyncio.Event()
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        started: dict = {}
        chunks: list[bytes] = []

        async def receive() -> dict:
            if pending:
                return pending.pop()
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                started["status"] = message["status"]
                started["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    answered.set()

        await app(scope, receive, send)
        answered.set()
        return started["status"], started["headers"], b"".join(chunks)

    async def handle(method, path, query, headers, body) -> Answer:
        if asyncio.get_running_loop() is loop:
            return await run(method, path, query, headers, body)
        future = asyncio.run_coroutine_threadsafe(run(method, path, query, headers, body), loop)
        return await asyncio.wrap_future(future)

    def blocking(method, path, query, headers, body, timeout) -> Answer | None:
        try:
            if asyncio.get_running_loop() is loop:
                return None  # waiting here would block the loop that must answer
        except RuntimeError:
            pass
        future = asyncio.run_coroutine_threadsafe(run(method, path, query, headers, body), loop)
        try:
            status, answered, content = future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise
        except Exception:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
            return ASGI_SERVER_ERROR
        # as uvicorn writes the fields: names in lower case, chunked framing without a length
        answered = [(name.lower(), value) for name, value in answered]
        if not bodyless(method, status) and all(
            name not in ("content-length", "transfer-encoding") for name, _ in answered
        ):
            answered.append(("transfer-encoding", "chunked"))
        return status, answered, content

    handle.blocking = blocking
    return handle
