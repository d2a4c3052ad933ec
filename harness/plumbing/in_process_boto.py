"""A boto3 client of the harness's own parts whose requests to a part served in this same
process (the embedded emulator, the API front, the Cognito front: `in_process.py`) are handed
to it without a socket, as the request and answer urllib3 would have carried.

botocore's `before-send` event lets a handler answer a request in place of the HTTP session:
the same signing, retries, parsing and exceptions run around it. The request is given the
headers urllib3 adds on the wire (Host, Accept-Encoding, the body's framing); the answer comes
back as urllib3 reads it (no body for HEAD, 1xx, 204 and 304; repeated headers joined), its
body readable as a stream. A part not served here (a remote emulator, real AWS, a front that
stopped) is reached through the socket, as before. Saved: botocore's HTTP client and the
server's parsing and thread per connection, on the GIL the emulator needs (#14)."""

from __future__ import annotations

import io
import threading
from functools import partial
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from urllib3 import HTTPHeaderDict

from harness.plumbing import in_process

# urllib3 sends `Content-Length: 0` with no body for every other method.
_NO_BODY_EXPECTED = {"GET", "HEAD", "DELETE", "TRACE", "OPTIONS", "CONNECT"}

_count_lock = threading.Lock()
_handed_over = 0
_by_this_thread = threading.local()


def handed_over() -> int:
    """How many requests this process's clients have handed over in-process so far."""
    return _handed_over


def handed_over_by_this_thread() -> int:
    """The same, counting only this thread's requests (other parts of a stack in this process
    hand theirs over meanwhile, on their own threads)."""
    return getattr(_by_this_thread, "count", 0)


class AnswerBody(io.BytesIO):
    """The answer's body as botocore reads urllib3's response: `read`, `stream`, `close`."""

    def stream(self, amt: int = 2**16, decode_content=None):
        while chunk := self.read(amt):
            yield chunk


def _body(body) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):  # a stream botocore rewinds before each attempt
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    return bytes(body)


def wire_headers(method: str, url: str, headers, body) -> list[tuple[str, str]]:
    """The request's header fields as urllib3 (through http.client) puts them on the wire."""
    names = {name.lower() for name in headers}
    added = []
    if "host" not in names:
        added.append(("Host", urlsplit(url).netloc))
    if "accept-encoding" not in names:
        added.append(("Accept-Encoding", "identity"))
    if "content-length" not in names and "transfer-encoding" not in names:
        if body is None:
            if method.upper() not in _NO_BODY_EXPECTED:
                added.append(("Content-Length", "0"))
        elif isinstance(body, (str, bytes, bytearray)):
            added.append(("Content-Length", str(len(_body(body)))))
        else:  # a stream of unknown length
            added.append(("Transfer-Encoding", "chunked"))
    return added + [(name, _text(value)) for name, value in headers.items()]


def _text(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def send(request, read_timeout: float | None = None, **_) -> AWSResponse | None:
    """botocore's `before-send` handler: the answer of the part served here, or None to send
    the request through the socket."""
    handler = in_process.served(request.url)
    blocking = getattr(handler, "blocking", None)
    if blocking is None:
        return None
    parts = urlsplit(request.url)
    headers = wire_headers(request.method, request.url, request.headers, request.body)
    context = getattr(request, "context", None) or {}
    timeout = context.get("read_timeout") or read_timeout
    try:
        answer = blocking(
            request.method, parts.path or "/", parts.query, headers, _body(request.body), timeout
        )
    except TimeoutError as exc:  # as urllib3's read time-out reaches botocore
        raise ReadTimeoutError(endpoint_url=request.url, error=exc) from exc
    if answer is None:
        return None
    global _handed_over
    with _count_lock:
        _handed_over += 1
    _by_this_thread.count = handed_over_by_this_thread() + 1
    status, answered, content = answer
    if in_process.bodyless(request.method, status):
        content = b""
    response = AWSResponse(request.url, status, HTTPHeaderDict(answered), AnswerBody(content))
    if not request.stream_output:
        response.content  # noqa: B018 - read now, as botocore's own session does
    return response


def hand_over(client):
    """`client`, its requests to a part served in this process handed over without a socket;
    its read time-out kept."""
    client.meta.events.register(
        "before-send", partial(send, read_timeout=client.meta.config.read_timeout)
    )
    return client
