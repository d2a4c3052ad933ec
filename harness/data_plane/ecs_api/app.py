"""An ASGI app in front of the emulator's ECS API (JSON 1.1 protocol, X-Amz-Target).

Every request is forwarded unchanged (the Host header too, so a SigV4 signature still holds).
For the agent's cluster, ListTasks, DescribeTasks and StopTask are answered with the tasks the
agent runs, DescribeServices and UpdateService carry its counts and deployments, and
`forceNewDeployment` rolls the service. Tasks the emulator itself holds (a RunTask it served)
are kept in the answers.
"""

from __future__ import annotations

import json
import logging

import httpx
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger(__name__)

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"}
JSON_TYPE = "application/x-amz-json-1.1"


def _json(document: dict, status: int = 200) -> Response:
    return Response(json.dumps(document), status_code=status, media_type=JSON_TYPE)


def _error(kind: str, message: str) -> Response:
    return _json({"__type": kind, "message": message}, 400)


class EcsApiApp:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.view = None  # an AgentView once the agent runs; until then, a plain proxy
        self.client = httpx.AsyncClient(timeout=30, trust_env=False)
        self.intercepted = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        operation = request.headers.get("x-amz-target", "").removeprefix(TARGET_PREFIX)
        response = await self._handle(request, body, operation)
        await response(scope, receive, send)

    async def _forward(self, request: Request, body: bytes) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.raw if k.decode().lower() not in HOP_BY_HOP]
        url = (
            self.upstream
            + request.url.path
            + (f"?{request.url.query}" if request.url.query else "")
        )
        return await self.client.request(request.method, url, headers=headers, content=body)

    @staticmethod
    def _relay(answer: httpx.Response) -> Response:
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        headers.pop("content-encoding", None)  # httpx decoded the body
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    async def _handle(self, request: Request, body: bytes, operation: str) -> Response:
        handler = getattr(self, f"_{operation}", None) if self.view is not None else None
        params = {}
        if handler is not None:
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                handler = None
        if handler is None or not self.view.owns(params.get("cluster")):
            return self._relay(await self._forward(request, body))
        self.intercepted += 1
        return await handler(request, body, params)

    async def _upstream_json(self, request: Request, body: bytes) -> tuple[httpx.Response, dict]:
        answer = await self._forward(request, body)
        try:
            document = answer.json() if answer.status_code == 200 else {}
        except ValueError:
            document = {}
        return answer, document

    async def _ListTasks(self, request, body, params) -> Response:
        answer, document = await self._upstream_json(request, body)
        if answer.status_code != 200:
            return self._relay(answer)
        ours = self.view.list_arns(params)
        theirs = [a for a in document.get("taskArns", []) if a not in ours]
        if "desiredStatus" not in params:
            theirs = []  # the emulator ignores the RUNNING default; its tasks are listed on ask
        return _json({"taskArns": ours + theirs})

    async def _DescribeTasks(self, request, body, params) -> Response:
        answer, document = await self._upstream_json(request, body)
        if answer.status_code != 200:
            return self._relay(answer)
        tasks, failures = [], []
        upstream = {t["taskArn"].rsplit("/", 1)[-1]: t for t in document.get("tasks", [])}
        for ref in params.get("tasks", []):
            task = self.view.find(ref)
            if task is not None:
                tasks.append(self.view.describe(task))
            elif ref.rsplit("/", 1)[-1] in upstream:
                tasks.append(upstream[ref.rsplit("/", 1)[-1]])
            else:
                failures.append({"arn": ref, "reason": "MISSING"})
        return _json({"tasks": tasks, "failures": failures})

    async def _StopTask(self, request, body, params) -> Response:
        task = self.view.find(params.get("task", ""))
        if task is None:
            answer = await self._forward(request, body)
            if answer.status_code >= 500:
                return _error("InvalidParameterException", "The referenced task was not found.")
            return self._relay(answer)
        self.view.agent.stop_task(task.id, params.get("reason"))
        return _json({"task": self.view.describe(task)})

    async def _DescribeServices(self, request, body, params) -> Response:
        answer, document = await self._upstream_json(request, body)
        if answer.status_code != 200:
            return self._relay(answer)
        document["services"] = [self.view.overlay_service(s) for s in document["services"]]
        return _json(document)

    async def _UpdateService(self, request, body, params) -> Response:
        answer, document = await self._upstream_json(request, body)
        if answer.status_code != 200:
            return self._relay(answer)
        service = document.get("service", {})
        name = service.get("serviceName")
        if name in self.view.agent.service_names:
            self.view.agent.deployments.primary(
                name, service.get("taskDefinition"), service.get("desiredCount", 0)
            )
            if params.get("forceNewDeployment"):
                self.view.agent.force_new_deployment(name)
            document["service"] = self.view.overlay_service(service)
        return _json(document)
