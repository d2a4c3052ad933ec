"""ECS calls (JSON 1.1 protocol, X-Amz-Target) answered from the agent.

For the agent's cluster, ListTasks, DescribeTasks and StopTask are answered with the tasks the
agent runs, DescribeServices and UpdateService carry its counts and deployments, and
`forceNewDeployment` rolls the service. Tasks the emulator itself holds (a RunTask it served)
are kept in the answers.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from harness.data_plane.api_front.app import relay

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
JSON_TYPE = "application/x-amz-json-1.1"


def _json(document: dict, status: int = 200) -> Response:
    return Response(json.dumps(document), status_code=status, media_type=JSON_TYPE)


def _error(kind: str, message: str) -> Response:
    return _json({"__type": kind, "message": message}, 400)


class EcsInterceptor:
    def __init__(self, view) -> None:
        self.view = view
        self._upstream = None  # the front's one ECS upstream, given with each request

    async def answer(self, request: Request, body: bytes, upstream) -> Response | None:
        operation = request.headers.get("x-amz-target", "").removeprefix(TARGET_PREFIX)
        handler = getattr(self, f"_{operation}", None)
        if handler is None:
            return None
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return None  # the emulator answers the malformed request as it does
        if not isinstance(params, dict) or not self.view.owns(params.get("cluster")):
            return None
        self._upstream = upstream
        return await handler(request, body, params)

    async def _forward(self, request: Request, body: bytes):
        return await self._upstream.forward(request, body)

    _relay = staticmethod(relay)

    async def _upstream_json(self, request: Request, body: bytes):
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
