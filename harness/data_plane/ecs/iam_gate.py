"""IAM in front of the emulator for the tasks' calls: the emulator (moto) does not check IAM by
default, AWS does. Each task's SDK calls come here (its AWS_ENDPOINT_URL* point at the gate);
the gate finds the task role from the request's access key (minted by task_endpoints.py),
evaluates the role's inline policies for the operation's IAM action and resource, and either
forwards the request untouched or answers as the service answers an unauthorized caller.

Covered: what the API calls, DynamoDB (JSON protocol) and SNS (query protocol). Other services
pass through unchecked. Policy changes apply within POLICY_TTL, as IAM's own eventual
consistency lets them [AWS: troubleshoot_general#troubleshoot_general_eventual-consistency]."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import unquote

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from harness.data_plane.ecs.identity_policy import allows
from harness.plumbing.form_fields import form_fields
from harness.plumbing.http_proxy import UpstreamPool
from harness.plumbing.servers import ServerThread

POLICY_TTL = 1.0
GATED_SERVICES = ("dynamodb", "sns")
UPSTREAM_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")
_DROPPED = frozenset({"host", "content-length", "connection", "transfer-encoding"})
_SNS_FIELDS = frozenset({"Action", "TopicArn", "SubscriptionArn"})


class IamGate:
    def __init__(self, endpoints, role_of_key: Callable[[str], str | None]) -> None:
        self._endpoints = endpoints
        self._iam = endpoints.internal_client("iam")
        self._role_of_key = role_of_key
        self._policies: dict[str, tuple[float, list[dict]]] = {}
        self._refreshing: set[str] = set()
        self._upstream = UpstreamPool("ecs-iam-gate", UPSTREAM_LIMITS, httpx.Timeout(30))
        self._lock = threading.Lock()

        async def app(scope, receive, send) -> None:  # a plain coroutine function: ASGI 3
            await self._app(scope, receive, send)

        self._server = ServerThread(self._upstream.serve(app), name="ecs-iam-gate", lifespan="on")
        self.refusals = 0

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> IamGate:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    async def _app(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        refusal = await self.refusal(request.headers, body)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        match = _CREDENTIAL.search(request.headers.get("authorization", ""))
        await self._forward(match.group(3) if match else None, request, body)(scope, receive, send)

    async def refusal(self, headers: Mapping[str, str], body: bytes) -> Response | None:
        """The answer AWS gives this call when the caller's role may not make it, or None
        when it may go on. Runs on any event loop: the AWS fault proxy calls it in-process."""
        match = _CREDENTIAL.search(headers.get("authorization", ""))
        if match is None or match.group(3) not in GATED_SERVICES:
            return None
        role = self._role_of_key(match.group(1))
        if role is None:
            return None
        service, region = match.group(3), match.group(2)
        action, resource = _action_and_resource(service, headers, body, region, role)
        if action and not await self._allowed_soon(role, action, resource):
            self.refusals += 1
            return _refusal(service, role, action, resource)
        return None

    def prepare(self, role_arn: str | None) -> None:
        """Reads a task's role policies before its first call needs them."""
        if role_arn:
            self._role_policies(role_arn)

    async def _allowed_soon(self, role_arn: str, action: str, resource: str) -> bool:
        """Decided on the caller's loop when the role's policies are at hand (a stale copy is
        refreshed in the background, as _role_policies does); on a worker thread only when
        IAM must be read first, so the loop never waits on IAM. A thread hop per call cost
        ~4 % of the harness's CPU under share load (#14)."""
        if role_arn in self._policies:
            return self._allowed(role_arn, action, resource)
        return await run_in_threadpool(self._allowed, role_arn, action, resource)

    def _allowed(self, role_arn: str, action: str, resource: str) -> bool:
        return allows(self._role_policies(role_arn), action, resource)

    def _role_policies(self, role_arn: str) -> list[dict]:
        """The role's policies; a stale copy is used while a fresh one is read in the
        background, so a request waits on IAM only the first time its role is seen."""
        with self._lock:
            cached = self._policies.get(role_arn)
            stale = cached is not None and time.monotonic() - cached[0] >= POLICY_TTL
            refresh = stale and role_arn not in self._refreshing
            if refresh:
                self._refreshing.add(role_arn)
        if cached is None:
            return self._read_policies(role_arn)
        if refresh:
            threading.Thread(
                target=self._read_policies, args=(role_arn,), name="iam-gate-refresh", daemon=True
            ).start()
        return cached[1]

    def _read_policies(self, role_arn: str) -> list[dict]:
        try:
            return self._fetch_policies(role_arn)
        finally:
            with self._lock:
                self._refreshing.discard(role_arn)

    def _fetch_policies(self, role_arn: str) -> list[dict]:
        name = role_arn.rsplit("/", 1)[-1]
        policies = []
        for policy_name in self._iam.list_role_policies(RoleName=name)["PolicyNames"]:
            document = self._iam.get_role_policy(RoleName=name, PolicyName=policy_name)
            raw = document["PolicyDocument"]
            policies.append(json.loads(unquote(raw)) if isinstance(raw, str) else raw)
        with self._lock:
            self._policies[role_arn] = (time.monotonic(), policies)
        return policies

    def _forward(self, service: str | None, request: Request, body: bytes):
        base = (self._endpoints.url(service) if service else None) or self._endpoints.default
        url = (
            base.rstrip("/")
            + request.url.path
            + (f"?{request.url.query}" if request.url.query else "")
        )
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _DROPPED]

        async def app(scope, receive, send) -> None:
            client = self._upstream.client
            answer = await client.request(request.method, url, headers=headers, content=body)
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _DROPPED}
            kept.pop("content-encoding", None)
            await Response(answer.content, status_code=answer.status_code, headers=kept)(
                scope, receive, send
            )

        return app


def _account(role_arn: str) -> str:
    return role_arn.split(":")[4]


def _action_and_resource(service, headers, body, region, role_arn) -> tuple[str | None, str]:
    account = _account(role_arn)
    if service == "dynamodb":
        target = headers.get("x-amz-target", "")
        operation = target.rsplit(".", 1)[-1]
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return None, ""
        table = params.get("TableName", "")
        resource = f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        if params.get("IndexName"):
            resource += f"/index/{params['IndexName']}"
        return f"dynamodb:{operation}", resource
    params = form_fields(body.decode("utf-8", "replace"), _SNS_FIELDS)
    operation = params.get("Action", "")
    if "TopicArn" in params:
        resource = params["TopicArn"]
    elif "SubscriptionArn" in params:
        resource = params["SubscriptionArn"].rsplit(":", 1)[0]  # SNS authorizes on the topic
    else:
        resource = "*"
    return (f"sns:{operation}" if operation else None), resource


def _refusal(service: str, role_arn: str, action: str, resource: str) -> Response:
    session = role_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
    message = (
        f"User: {session} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )
    if service == "dynamodb":
        return Response(
            json.dumps(
                {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message}
            ),
            status_code=400,
            media_type="application/x-amz-json-1.0",
        )
    xml = (
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
        f"<Type>Sender</Type><Code>AuthorizationError</Code><Message>{message}</Message>"
        "</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
    return Response(xml, status_code=403, media_type="text/xml")
