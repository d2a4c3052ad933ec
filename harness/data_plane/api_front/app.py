"""An ASGI app in front of the emulator: forwards each request unchanged (the Host header too,
so a SigV4 signature still holds), unless a service's interceptor answers it."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
from starlette.requests import Request
from starlette.responses import Response

from harness.plumbing import in_process
from harness.plumbing.public_roots import public_roots

log = logging.getLogger("harness.data_plane.api_front")

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"}


class Upstream:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.client = httpx.AsyncClient(timeout=30, trust_env=False, verify=public_roots())

    async def forward(self, request: Request, body: bytes) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.raw if k.decode().lower() not in HOP_BY_HOP]
        here = in_process.served(self.url)
        if here is not None:  # the emulator in this process: no socket, the same answer
            status, answered, content = await here(
                request.method,
                request.url.path,
                request.url.query,
                [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers],
                body,
            )
            return httpx.Response(status, headers=answered, content=content)
        query = f"?{request.url.query}" if request.url.query else ""
        url = self.url + request.url.path + query
        return await self.client.request(request.method, url, headers=headers, content=body)


def relay(answer: httpx.Response, content: bytes | None = None) -> Response:
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
    headers.pop("content-encoding", None)  # httpx decoded the body
    return Response(
        answer.content if content is None else content,
        status_code=answer.status_code,
        headers=headers,
    )


class FrontApp:
    """`interceptors` are tried in order; each `answer(request, body, upstream)` returns a
    Response, or None to let the request through. `watchers[service]` are called, on the
    front's loop (so they must only signal, never call AWS), after each successful write to
    that service: the data-plane parts re-read their settings then rather than at their next
    poll."""

    def __init__(self, upstreams: dict[str, str]) -> None:
        self.upstreams = {service: Upstream(url) for service, url in upstreams.items()}
        self.interceptors: dict[str, object] = {}
        self.watchers: dict[str, list[Callable[[], None]]] = {}
        self.answered: dict[str, int] = {}
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's, once it started

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        service = _service_of(request, self.upstreams)
        upstream = self.upstreams[service]
        response = None
        interceptor = self.interceptors.get(service)
        if interceptor is not None:
            response = await interceptor.answer(request, body, upstream)
        if response is None:
            response = relay(await upstream.forward(request, body))
        else:
            self.answered[service] = self.answered.get(service, 0) + 1
        watchers = self.watchers.get(service, ())
        if watchers and response.status_code < 400 and not is_read(request, body):
            for watcher in watchers:
                try:
                    watcher()
                except Exception:  # noqa: BLE001 - a watcher's trouble must not fail the write
                    log.exception("api front: a watcher of %s failed", service)
        await response(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        """Closes the upstream pools on the server's own loop when it stops (run the server
        with lifespan="on"), so no connection outlives the front."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.loop = asyncio.get_running_loop()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for upstream in self.upstreams.values():
                    await upstream.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


READ_ACTIONS = re.compile(r"^(Describe|List|Get)")


def is_read(request: Request, body: bytes) -> bool:
    """Whether a request only reads: a GET or HEAD (CloudFront's REST API), or an action of
    the JSON (X-Amz-Target) or query (Action=) protocols named Describe*, List* or Get*."""
    if request.method in ("GET", "HEAD"):
        return True
    target = request.headers.get("x-amz-target")
    if target:
        return bool(READ_ACTIONS.match(target.rpartition(".")[2]))
    form = parse_qs(body.decode("utf-8", "replace")) if body else {}
    action = (form.get("Action") or parse_qs(request.url.query).get("Action") or [""])[0]
    return bool(READ_ACTIONS.match(action))


CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
SIGNING_NAMES = {"elasticloadbalancing": "elbv2"}


def _service_of(request: Request, known) -> str:
    """The service a request is for, by its SigV4 credential scope; else by its shape."""
    if len(known) == 1:  # a front for one service (Cognito's)
        return next(iter(known))
    scope = CREDENTIAL_SCOPE.search(request.headers.get("authorization", ""))
    if scope:
        service = SIGNING_NAMES.get(scope.group(1), scope.group(1))
        if service in known:
            return service
    if request.headers.get("x-amz-target", "").startswith("AmazonEC2ContainerService"):
        return "ecs"
    if request.headers.get("x-amz-target", "").startswith("AnyScaleFrontendService"):
        return "application-autoscaling"
    if request.url.path.startswith("/20"):
        return "cloudfront"
    if "sns" in known and _is_unsigned_sns(request):
        return "sns"
    return "elbv2"


UNSIGNED_SNS_ACTIONS = re.compile(r"(^|&)Action=(ConfirmSubscription|Unsubscribe)(&|$)")


def _is_unsigned_sns(request: Request) -> bool:
    """What SNS serves without a signature: a SubscribeURL or UnsubscribeURL a device GETs,
    the signing certificate, and the emulator's POSTs to a hold URL (api_front/sns.py)."""
    path = request.url.path
    return (
        path.startswith("/_sns/")
        or path.startswith("/SimpleNotificationService-")
        or bool(UNSIGNED_SNS_ACTIONS.search(request.url.query))
    )
